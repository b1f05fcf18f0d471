"""Loading scorer models the same way for a hub id and a local folder, and caching their scores.

``resolve_model`` turns a hub id (optionally at a ``revision``) or a local folder into a folder on
disk plus a cache key naming the exact weights: for a hub id the resolved commit sha
(``huggingface_hub.snapshot_download``, which reads the local cache only when ``HF_HUB_OFFLINE=1``);
for a local folder a hash of ``config.json`` and of each weight file's name, size, first and last MiB.
So a retrained or re-initialised model in the same folder gets a new key, and its scores are never
served from an older model's cache.

``ScoreCache`` keeps float64 scores by uint64 key (xxh3_64 of model key + the exact token ids scored)
in ``.npz`` shards, the layout of ``curate.embed.EmbeddingCache``: reruns and threshold changes
compute nothing; a changed text, tokenizer, template or ``max_length`` changes the ids and so the key.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Iterable

import numpy as np
import xxhash

from curate.shards import ShardCache

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".msgpack", ".h5")
_EDGE = 1 << 20  # bytes hashed at each end of a weight file


def hub_offline() -> bool:
    """True when Hugging Face hub access is off (``HF_HUB_OFFLINE`` set to 1/true/yes/on in the
    environment or in ``huggingface_hub.constants``, which ``curatrain --offline`` sets)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except Exception:  # pragma: no cover - huggingface_hub is a transformers dependency
        return False


def folder_fingerprint(folder: Path) -> str:
    """16 hex chars naming a local model folder's weights: blake2b over ``config.json`` and, per weight
    file (``*.safetensors``, ``*.bin``, ...; sorted by name), its name, size and first/last MiB.
    Raises ``ValueError`` when the folder has no ``config.json``."""
    cfg = folder / "config.json"
    if not cfg.is_file():
        raise ValueError(f"model folder {folder} has no config.json (not a transformers model folder)")
    h = hashlib.blake2b(cfg.read_bytes(), digest_size=8)
    for f in sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES)):
        size = f.stat().st_size
        h.update(f"{f.name}\0{size}\0".encode())
        with f.open("rb") as fh:
            h.update(fh.read(_EDGE))
            if size > 2 * _EDGE:
                fh.seek(size - _EDGE)
                h.update(fh.read(_EDGE))
    return h.hexdigest()


def resolve_model(model: str, revision: str | None = None, *, what: str = "model") -> tuple[str, str]:
    """``(path to load, cache key)`` for a local folder or a hub id.

    A local folder (an existing directory) loads as is; key = ``<folder name>-<folder_fingerprint>``.
    A hub id is resolved with ``huggingface_hub.snapshot_download`` (all files, so ``from_pretrained``
    then reads the local snapshot; ``local_files_only`` when offline); key = ``<id>@<commit sha>``.

    Raises ``ValueError`` (one line, with a hint) when a hub id is not in the local cache while
    ``HF_HUB_OFFLINE=1``, or cannot be fetched online.
    """
    p = Path(model).expanduser()
    if p.is_dir():
        return str(p), f"{_slug(p.resolve().name)}-{folder_fingerprint(p)}"
    from huggingface_hub import snapshot_download

    offline = hub_offline()
    try:
        path = snapshot_download(model, revision=revision, local_files_only=offline)
    except Exception as e:  # LocalEntryNotFoundError, RepositoryNotFoundError, HTTP errors, bad ids
        at = f"@{revision}" if revision else ""
        if offline:
            raise ValueError(
                f"{what} {model!r}{at} is not in the local Hugging Face cache and HF_HUB_OFFLINE=1; "
                f"download it once with `hf download {model}` (or run without --offline), or give a local folder"
            ) from None
        raise ValueError(f"{what} {model!r}{at} could not be loaded from the hub: {type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''} (a typo, a private repo, or no network?)") from None
    sha = Path(path).name
    return path, f"{_slug(model)}@{sha[:16]}"


def weights_fingerprint(model: str, revision: str | None = None) -> str:
    """What the runner's stage cache key needs to see a model change, without network or loading:
    ``folder_fingerprint`` for a local folder; for a hub id the commit sha its ``revision`` (default
    ``main``) points to in the local Hugging Face cache (``huggingface_hub.try_to_load_from_cache``),
    or ``""`` when the id is not cached yet (the first run then downloads and resolves it)."""
    p = Path(model).expanduser()
    if p.is_dir():
        return folder_fingerprint(p) if (p / "config.json").is_file() else ""
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(model, "config.json", revision=revision)
    except Exception:  # an id huggingface_hub rejects: resolve_model reports it at run time
        return ""
    return Path(hit).parent.name if isinstance(hit, str) else ""


def looks_like_path(model: str) -> bool:
    """True for ``./x``, ``../x``, ``/x``, ``~/x`` or a Windows drive path: a folder, never a hub id."""
    return model.startswith(("./", "../", "/", "~", ".\\", "..\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", model))


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", s)[-60:]


def pick_device(device: str) -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``. Raises ``ValueError`` for ``cuda`` without one."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: cuda but torch sees no GPU (use device: auto or cpu)")
    return device


def pick_dtype(dtype: str, device: str):
    """torch dtype for ``dtype`` on ``device``: ``auto`` = bfloat16 on a GPU that supports it, else float16
    on a GPU, float32 on CPU; or ``float32|float16|bfloat16`` as asked."""
    import torch

    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]


def sequence_keys(seqs: Iterable[bytes], model_key: str) -> np.ndarray:
    """uint64 cache keys: xxh3_64 of ``model_key``, a NUL, and each sequence's bytes."""
    prefix = model_key.encode() + b"\0"
    return np.array([xxhash.xxh3_64_intdigest(prefix + s) for s in seqs], dtype=np.uint64)


class ScoreCache(ShardCache):
    """float64 score vectors by uint64 key in ``.npz`` shards under ``folder`` (``curate.shards``; the
    layout of the embedding cache). ``folder=None`` keeps nothing."""

    def __init__(self, folder: Path | None):
        super().__init__(folder, field="vals", dtype=np.float64)

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask of shape (n,), values of shape (n, width); rows not found are NaN)."""
        width = self.rows.shape[1] if self.rows is not None else 1
        out = np.full((len(keys), width), np.nan)
        found, idx = self.lookup(keys)
        if found.any():
            out[found] = self.rows[idx[found]]
        return found, out
