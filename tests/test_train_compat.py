"""Private-API guards (issue 14 item 3): one table of tested library ranges (curate.chat.compat.TESTED),
a one-line error outside it for every private use, and a public fallback where one exists."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from curate.chat import compat
from curate.chat.compat import TESTED, VersionRangeError, problems, require


def _pretend(monkeypatch, **versions):
    real = compat.installed
    monkeypatch.setattr(compat, "installed", lambda p: versions.get(p, real(p)))


def test_installed_versions_are_in_the_tested_range():
    """Fails as soon as an upgrade leaves TESTED: rerun the training tests on the new version, then widen it."""
    assert set(TESTED) == {"transformers", "trl"}
    assert problems() == []


def test_require_is_one_clear_line():
    with pytest.raises(VersionRangeError) as exc:
        require("cpu_fused_lm_head", found="1.17.0")
    assert str(exc.value) == (
        "train.cpu_fused_lm_head patches private TRL LM-head functions, tested with trl>=1.16,<1.17, but trl 1.17.0 "
        "is installed: set train.cpu_fused_lm_head: false, or install a tested trl")
    assert isinstance(exc.value, ValueError)
    require("cpu_fused_lm_head", found="1.16.3")  # a patch release inside the range passes
    assert compat.in_range("transformers", "5.23.0") and not compat.in_range("transformers", "5.24.0")
    assert not compat.in_range("trl", "1.15.9")


def test_fused_lm_head_default_follows_the_range(monkeypatch):
    from train.config import resolve_device
    from train.spec import TrainSpec

    assert resolve_device(TrainSpec()).fused_lm_head is True  # CPU, trl in range: today's speed
    assert resolve_device(TrainSpec(cpu_fused_lm_head=False)).fused_lm_head is False
    _pretend(monkeypatch, trl="1.17.0")
    assert resolve_device(TrainSpec()).fused_lm_head is False  # default: off outside the range, no error
    with pytest.raises(VersionRangeError, match="trl 1.17.0 is installed"):
        resolve_device(TrainSpec(cpu_fused_lm_head=True))  # asked for explicitly: a clear error


def test_cpu_lm_head_refuses_outside_range_and_changed_signatures(monkeypatch):
    from train.lm_head import check_hooks, cpu_lm_head, lean_backward_tile, lean_forward_tile

    _pretend(monkeypatch, trl="2.0.0")
    with pytest.raises(VersionRangeError, match="trl 2.0.0"):
        with cpu_lm_head():
            pass
    ok = types.SimpleNamespace(_forward_tile=lambda *a: None, _backward_tile=lambda *a: None)
    ok._forward_tile.__signature__ = _sig_without_fallback(lean_forward_tile)
    ok._backward_tile.__signature__ = _sig_without_fallback(lean_backward_tile)
    tu = types.SimpleNamespace(_use_triton=lambda d: False)
    check_hooks(tu, ok)  # same argument lists: accepted
    changed = types.SimpleNamespace(_forward_tile=lambda tile, targets: None, _backward_tile=ok._backward_tile)
    with pytest.raises(ValueError) as exc:
        check_hooks(types.SimpleNamespace(), changed)
    assert str(exc.value) == (
        "train.cpu_fused_lm_head: trl.trainer.utils._use_triton is gone; trl.kernels.chunked_logprob._forward_tile "
        "no longer takes (tile, tile_stride, targets, ...): set train.cpu_fused_lm_head: false")


def _sig_without_fallback(fn):
    import inspect

    sig = inspect.signature(fn)
    return sig.replace(parameters=[p for n, p in sig.parameters.items() if n != "_fallback"])


def test_pretokenize_refuses_outside_range(monkeypatch):
    import datasets

    from train.data import pretokenize

    _pretend(monkeypatch, trl="1.18.0")
    ds = datasets.Dataset.from_list([{"messages": [{"role": "user", "content": "a"}]}])
    with pytest.raises(VersionRangeError, match="train.padding_free: false"):
        pretokenize(ds, tokenizer=None, max_length=8, assistant_only_loss=True)


def test_chat_template_stage_falls_back_to_public_path_outside_range(monkeypatch, tmp_path):
    """Outside the transformers range the stage stops replaying the mask algorithm and counts with
    apply_chat_template: the same stat_tokens, stat_assistant_tokens and drops."""
    import json

    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages import chat_template as ct

    fixtures = Path(__file__).parent / "fixtures"
    rows = [json.loads(line) for line in (fixtures / "train" / "conversations.jsonl").open()][:12]
    df = make_frame(rows)

    def run(sub):
        stage = ct.ChatTemplate(ct.ChatTemplate.Params(template="llama3", vocab_size=500, max_tokens=120))
        (tmp_path / sub).mkdir()
        return stage.run(df, Context(seed=0, artifact_dir=tmp_path / sub))

    fast = run("fast")
    monkeypatch.setattr(ct, "in_range", lambda package: False)
    slow = run("slow")
    cols = ["id", "stat_tokens", "stat_assistant_tokens"]
    assert fast.kept.select(cols).rows() == slow.kept.select(cols).rows()
    assert fast.rejected.select(["id", "drop_reason"]).rows() == slow.rejected.select(["id", "drop_reason"]).rows()
    assert (fast.kept.height, fast.rejected.height) == (11, 1)  # one row over max_tokens
    assert fast.counters["audit.rows_checked"] == slow.counters["audit.rows_checked"] == 12
