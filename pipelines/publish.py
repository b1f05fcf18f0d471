"""Publish a run's curated set through ``datasets``: ``output.save_to_disk`` and ``output.push_to_hub``.

Called by the runner once the outputs are committed (``publish_outputs``). The curated Parquet itself stays the
canonical output (it loads unchanged with ``datasets.load_dataset("parquet", ...)`` and TRL); these are copies
in the ecosystem's own forms::

    output:
      dir: out/lima
      save_to_disk: out/lima-datasets            # datasets.load_from_disk("out/lima-datasets")
      push_to_hub: {repo_id: me/lima-1k, private: true}

``datasets`` is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable


class PublishError(ValueError):
    """Saving or pushing the curated set failed; one line naming the target and the cause."""


def curated_dataset(curated_path: Path):
    """The curated Parquet as an in-memory ``datasets.Dataset`` (every column; ``messages`` as a list of
    ``{role, content}``), with no cache files left behind."""
    import datasets

    with tempfile.TemporaryDirectory(prefix="curatrain-publish-") as cache:
        return datasets.Dataset.from_parquet(str(curated_path), cache_dir=cache, keep_in_memory=True)


def publish_outputs(output, curated_path: Path, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Save and/or push the curated set as ``output`` (``pipelines.spec.OutputSpec``) asks; returns
    ``{"save_to_disk": folder, "push_to_hub": repo_id}`` for what was done (empty when nothing is asked or
    ``output`` is None).

    ``save_to_disk``: ``Dataset.save_to_disk(folder)`` (replaced if it exists). ``push_to_hub``:
    ``Dataset.push_to_hub(repo_id, private=..., split=...)``. Raises ``PublishError`` naming the folder or
    repository and the cause (no network, no token, permission), after the local outputs are committed."""
    done: dict[str, Any] = {}
    if output is None or output.save_to_disk is None and output.push_to_hub is None:
        return done
    ds = curated_dataset(Path(curated_path))
    if output.save_to_disk is not None:
        target = Path(output.save_to_disk)
        try:
            ds.save_to_disk(str(target))
        except (OSError, ValueError) as exc:
            raise PublishError(f"output.save_to_disk {target}: {exc}") from None
        echo(f"saved {len(ds):,} rows with datasets → {target} (datasets.load_from_disk)")
        done["save_to_disk"] = str(target)
    hub = output.push_to_hub
    if hub is not None:
        try:
            ds.push_to_hub(hub.repo_id, private=hub.private, split=hub.split)
        except Exception as exc:  # network, auth, hub errors: all end here as one line
            raise PublishError(f"output.push_to_hub {hub.repo_id}: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''} (log in with `huggingface-cli "
                               f"login` or set HF_TOKEN; the curated data is in {curated_path})") from None
        echo(f"pushed {len(ds):,} rows → https://huggingface.co/datasets/{hub.repo_id} (split {hub.split}"
             f"{', private' if hub.private else ''})")
        done["push_to_hub"] = hub.repo_id
    return done
