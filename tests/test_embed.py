"""Embedding backends (curate.embed): shapes, normalisation, determinism, agreement with torch fp32,
cache separation per backend, export reuse, and no network access.

The ONNX export and its int8 quantization are made once per session into a temporary model cache
(~10-30 s on 2 cores); the static (model2vec) distillation takes minutes there, so its tests are
marked slow.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from curate import embed as E
from curate.readers import read_file
from curate.schema import make_frame, view_expr

from .conftest import REPO

SAMPLE = REPO / "pipelines" / "data" / "sample"


def _no_network(*a, **k):
    raise AssertionError(f"network access attempted: {a[1:] if len(a) > 1 else a}")


@pytest.fixture(scope="session")
def model_root(tmp_path_factory):
    """A private model cache for the session, with every socket connection forbidden while in use."""
    root = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CURATRAIN_MODEL_CACHE", str(root))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        yield root


@pytest.fixture(scope="session")
def texts() -> list[str]:
    """20 real first user turns from the shipped sample (oasst, hh-rlhf, GPTeacher role-play)."""
    rows = []
    for name, src in [("oasst_en_100_tree.jsonl", "oasst"), ("hh_rlhf_harmless_base_test.jsonl.gz", "hh"),
                      ("gpteacher_roleplay_simple_deduped.json", "rp")]:
        rows += read_file(SAMPLE / name, src).rows[:7]
    df = make_frame(rows).select(view_expr("first_user_turn").alias("t"))
    out = [t for t in df["t"].to_list() if t][:20]
    assert len(out) == 20
    return out


def test_model_key_names_backend_and_keeps_the_torch_key():
    keys = {b: E.model_key("default", 128, b) for b in E.BACKENDS}
    assert keys["torch"] == "all-MiniLM-L6-v2-128"  # historical key: existing caches stay valid
    assert keys["onnx-int8"] == "all-MiniLM-L6-v2-128-onnx-int8-r1"
    assert len(set(keys.values())) == len(E.BACKENDS)
    with pytest.raises(ValueError, match="unknown embedding backend 'int8'; known: torch, onnx"):
        E.model_key("default", 128, "int8")
    with pytest.raises(ValueError, match="unknown embedding backend"):
        E.embed_texts(["a"], backend="onnx_int8")


def test_export_dir_depends_on_backend_and_versions(model_root, monkeypatch):
    a, b = E.export_dir("default", "onnx"), E.export_dir("default", "onnx-int8")
    assert a.parent == b.parent == model_root and a != b
    assert a.name.startswith("all-MiniLM-L6-v2-onnx-")
    monkeypatch.setitem(E.RECIPE_VERSION, "onnx", "999")
    assert E.export_dir("default", "onnx") != a
    with pytest.raises(ValueError, match="no export folder"):
        E.export_dir("default", "torch")


@pytest.fixture(scope="session")
def torch_vecs(texts):
    return E.embed_texts(texts, backend="torch", max_seq_length=128, device="cpu")


@pytest.mark.parametrize("backend", ["torch", "onnx", "onnx-int8"])
def test_backend_vectors_shape_norm_determinism(backend, texts, model_root):
    X = E.embed_texts(texts, backend=backend, max_seq_length=128, device="cpu")
    assert X.shape == (20, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    again = E.embed_texts(texts, backend=backend, max_seq_length=128, device="cpu")
    np.testing.assert_array_equal(X, again)
    # other batches (order, batch size, hence padding): the same vectors, except that dynamic int8
    # quantizes activations with one scale per batch tensor, so batch-mates move a vector a little
    rev = E.embed_texts(texts[::-1], backend=backend, max_seq_length=128, device="cpu", batch_size=3)[::-1]
    if backend == "onnx-int8":
        cos = np.einsum("ij,ij->i", rev, X)
        print("int8 cosine across batchings: min", cos.min(), "mean", cos.mean())
        assert cos.min() > 0.98 and not np.array_equal(rev, X)
    else:
        np.testing.assert_allclose(rev, X, atol=2e-5)


def test_onnx_agrees_with_torch_fp32(texts, torch_vecs, model_root):
    cos = np.einsum("ij,ij->i", E.embed_texts(texts, backend="onnx", max_seq_length=128), torch_vecs)
    assert cos.min() > 0.99999  # the same fp32 network; measured min 0.9999999


def test_onnx_int8_agrees_with_torch_fp32(texts, torch_vecs, model_root):
    cos = np.einsum("ij,ij->i", E.embed_texts(texts, backend="onnx-int8", max_seq_length=128), torch_vecs)
    # measured on these 20 texts: mean 0.9939, min 0.9896 (5k real turns: benchmarks/results/embedding.md)
    assert cos.mean() > 0.985
    assert cos.min() > 0.975


def test_export_is_made_once_and_reused(model_root, monkeypatch):
    folder = E.prepare_backend("default", "onnx-int8")
    info = (folder / "export.json").read_text()
    assert '"onnxruntime"' in info and "QInt8 weights per channel" in info
    assert (folder / "model.onnx").stat().st_size < (E.prepare_backend("default", "onnx") / "model.onnx").stat().st_size / 3

    def boom(*a, **k):
        raise AssertionError("exported again")

    monkeypatch.setattr(E, "_export_onnx", boom)
    monkeypatch.setattr(E, "_quantize_onnx", boom)
    assert E.prepare_backend("default", "onnx-int8") == folder
    assert not list(model_root.glob("*.tmp-*"))


def test_cache_keeps_backends_apart(texts, tmp_path, model_root, monkeypatch):
    a = E.embed_texts(texts[:5], backend="onnx-int8", max_seq_length=128, cache_dir=tmp_path)
    b = E.embed_texts(texts[:5], backend="torch", max_seq_length=128, cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all-MiniLM-L6-v2-128", "all-MiniLM-L6-v2-128-onnx-int8-r1"]
    assert not np.array_equal(a, b)

    def no_encoder(*args, **kw):
        raise AssertionError("cache miss: the encoder was asked again")

    monkeypatch.setattr(E, "get_encoder", no_encoder)
    np.testing.assert_array_equal(E.embed_texts(texts[:5], backend="onnx-int8", max_seq_length=128, cache_dir=tmp_path), a)
    np.testing.assert_array_equal(E.embed_texts(texts[:5], backend="torch", max_seq_length=128, cache_dir=tmp_path), b)


def test_stages_take_a_backend_param():
    from pydantic import ValidationError

    from curate import registry

    for name in ("semantic_dedup", "diversity_select"):
        P = registry.get(name).Params
        extra = {"budget": 10} if name == "diversity_select" else {}
        assert P(**extra).backend == "torch"
        assert P(backend="onnx-int8", **extra).backend == "onnx-int8"
        with pytest.raises(ValidationError, match="backend"):
            P(backend="int8", **extra)


def test_semantic_dedup_runs_on_onnx_int8(texts, model_root):
    import polars as pl

    from curate import registry
    from curate.stage import Context

    rows = [{"id": f"r{i}", "source": "s", "messages": [{"role": "user", "content": t},
                                                        {"role": "assistant", "content": "ok"}]}
            for i, t in enumerate(texts[:6] + [texts[0] + " "])]  # r6 = r0 plus a space
    df = make_frame(rows)
    cls = registry.get("semantic_dedup")
    res = cls(cls.Params(view="first_user_turn", backend="onnx-int8", max_seq_length=128)).run(df, Context())
    assert res.rejected["id"].to_list() == ["r6"]
    assert res.kept.height == 6 and isinstance(res.kept, pl.DataFrame)


@pytest.mark.slow
def test_static_backend(texts, torch_vecs, model_root):
    X = E.embed_texts(texts, backend="static", max_seq_length=128)
    assert X.shape == (20, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(X, E.embed_texts(texts[::-1], backend="static", max_seq_length=128)[::-1])
    folder = E.prepare_backend("default", "static")
    assert (folder / "model.safetensors").exists() and '"model2vec"' in (folder / "export.json").read_text()
    # a bag of word-piece vectors in PCA axes: its pairwise cosines rank like fp32 MiniLM's only
    # loosely (Spearman 0.27 measured on these 190 pairs; unrelated vectors give ~0 ± 0.07)
    from scipy.stats import spearmanr

    iu = np.triu_indices(20, 1)
    assert spearmanr((X @ X.T)[iu], (torch_vecs @ torch_vecs.T)[iu])[0] > 0.15


def test_long_texts_are_cut_before_word_pieces_with_the_same_pieces(model_root, monkeypatch):
    """``_head`` cuts at whitespace, so the word pieces the encoder keeps are those of the whole
    text and the vectors are identical (fp32 ONNX: deterministic); a head that falls short of
    max_seq_length pieces (words of more than 12 characters a piece) is re-encoded whole."""
    assert E._head("short text", 100) == "short text"
    assert E._head("one two three four", 10) == "one two"
    assert E._head("x" * 50, 10) == "x" * 50  # no whitespace: not cut
    rows = read_file(SAMPLE / "oasst_en_100_tree.jsonl", "oasst").rows
    answers = [m["content"] for r in rows for m in r["messages"] if m["role"] == "assistant"]
    long = [a for a in answers if len(a) > 32 * E.HEAD_CHARS_PER_PIECE][:40]
    assert len(long) >= 20
    spaced = "word" + " " * 400 + "tail words " * 30  # its head ("word   ...") has 3 pieces: re-encoded
    texts = long + [spaced]
    assert all(len(E._head(t, 32 * E.HEAD_CHARS_PER_PIECE)) < len(t) for t in texts)
    enc = E._OnnxEncoder(E.prepare_backend(backend="onnx"), 32, "cpu", None)
    cut = enc.encode(texts, 8)
    monkeypatch.setattr(E, "_head", lambda text, n: text)
    np.testing.assert_array_equal(cut, enc.encode(texts, 8))
