"""The library versions curatrain's uses of private behaviour were tested with: one table, one check.

curatrain leans on a few things that no library promises to keep:

=====================  ============  ======================================================================
use                    package       what it relies on
=====================  ============  ======================================================================
``mask_replay``        transformers  ``curate.chat.audit.transformers_mask`` replays how
                                     ``apply_chat_template(return_assistant_tokens_mask=True)`` maps
                                     ``{% generation %}`` spans to tokens (the chat_template stage's fast
                                     path); outside the range the stage takes the public
                                     ``apply_chat_template`` path instead (slower, same counts)
``audit_render``       transformers  ``transformers.utils.chat_template_utils.render_jinja_template`` (the
                                     generation spans the mask audit compares against)
``pretokenize``        trl           ``train.data.pretokenize`` tokenizes and labels rows as
                                     ``SFTTrainer._prepare_dataset`` does (padding-free without packing)
``cpu_fused_lm_head``  trl           ``train.lm_head`` swaps ``trl.trainer.utils._use_triton`` and
                                     ``trl.kernels.chunked_logprob._forward_tile/_backward_tile`` (CPU only)
``sample_weight``      trl           ``train.weights`` calls the model with TRL's ``fused_lm_head=True``
                                     keyword and reads ``log_probs``/``label_mask`` of its output
=====================  ============  ======================================================================

``TESTED`` holds the one version range per package (PEP 440 specifiers, ``packaging``), and
``tests/test_train_compat.py`` fails as soon as the installed versions leave it: widen a range only
after the tests pass on the new version. ``require(use)`` raises ``VersionRangeError`` (a
``ValueError``, so the CLIs print it as one line) outside the range; ``in_range(package)`` lets a caller
fall back to a public path instead.

Example::

    >>> from curate.chat.compat import TESTED
    >>> sorted(TESTED)
    ['transformers', 'trl']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: package → versions the private uses below were tested with (the only place these ranges live)
TESTED: dict[str, str] = {
    "transformers": ">=5.23,<5.24",
    "trl": ">=1.16,<1.17",
}

#: use → (package, what breaks, what to do instead)
USES: dict[str, tuple[str, str, str]] = {
    "mask_replay": ("transformers", "the chat_template stage's fast token count replays transformers' mask algorithm",
                    "the stage falls back to apply_chat_template"),
    "audit_render": ("transformers", "the mask audit renders generation spans with render_jinja_template",
                     "set audit: off (chat_template) / train.audit: off, or install a tested transformers"),
    "pretokenize": ("trl", "padding-free rows are tokenized as TRL's SFTTrainer._prepare_dataset does",
                    "set train.padding_free: false (or packing: true), or install a tested trl"),
    "cpu_fused_lm_head": ("trl", "train.cpu_fused_lm_head patches private TRL LM-head functions",
                          "set train.cpu_fused_lm_head: false, or install a tested trl"),
    "sample_weight": ("trl", "train.sample_weight weights TRL's per-token log-probs (its fused_lm_head forward)",
                      "drop train.sample_weight, or install a tested trl"),
}


class VersionRangeError(ValueError):
    """An installed library is outside the range a private use was tested with (one line)."""


def installed(package: str) -> str | None:
    """The installed version string of ``package``, or None when it is not installed."""
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def in_range(package: str, found: str | None = None) -> bool:
    """True when ``found`` (default: the installed version) satisfies ``TESTED[package]``.
    A package that is not installed is not in range. Raises ``KeyError`` for a package not in ``TESTED``."""
    from packaging.specifiers import SpecifierSet

    found = installed(package) if found is None else found
    return found is not None and SpecifierSet(TESTED[package]).contains(found, prereleases=True)


def require(use: str, found: str | None = None) -> None:
    """Raise ``VersionRangeError`` when the package behind ``use`` (a ``USES`` key) is outside
    ``TESTED``; ``found`` overrides the installed version (for tests). The message is one line:
    what relies on it, the range, the version found, and what to do."""
    package, what, instead = USES[use]
    found = installed(package) if found is None else found
    if not in_range(package, found):
        raise VersionRangeError(f"{what}, tested with {package}{TESTED[package]}, but {package} "
                                f"{found or 'is not installed'} is installed: {instead}")


def problems() -> list[str]:
    """One line per package in ``TESTED`` whose installed version is outside its range (empty = all good)."""
    return [f"{p} {installed(p) or '(not installed)'} is outside the tested range {r}"
            for p, r in TESTED.items() if not in_range(p)]
