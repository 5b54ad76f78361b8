"""Save and load parameter pytrees (and an optimizer's state) as one ``.npz`` file: no pickle,
written atomically.

Format (``format_version`` 2): one array per parameter key (``W1``, ``b1``, ..., ``WL``, ``bL``;
``W{l}`` is ``(n[l], n[l-1])``, ``b{l}`` is ``(n[l], 1)``, floating dtypes, stored as they are);
optionally the leaves of an optimizer state pytree (an optax state) as ``__opt__0``,
``__opt__1``, ... in ``jax.tree.leaves`` order; and ``__metadata__``: a UTF-8 JSON object stored
as a 1-D ``uint8`` array. The JSON holds the caller's metadata plus ``format:
"dnnjax-checkpoint"``, ``format_version``, ``dnnjax_version`` and, with a state, ``opt_state``:
``{"paths": [...], "shapes": [...], "dtypes": [...]}`` (the leaves' key paths as
``jax.tree_util.keystr`` writes them). The pytree's structure itself is not stored: on load it
comes from a template, ``optimizer.init(params)``, which :func:`restore_opt_state` checks the
stored leaves against. Version 1 files (no optimizer state) still load.
"""
from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.files import atomic_write

FORMAT = "dnnjax-checkpoint"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
METADATA_KEY = "__metadata__"
OPT_PREFIX = "__opt__"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip


def _dnnjax_version() -> str:
    import sys
    version = getattr(sys.modules.get("dnnjax"), "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version
            version = dist_version("dnnjax")
        except Exception:  # not installed (running from a checkout)
            version = "unknown"
    return str(version)


def _json_default(obj):
    """Let NumPy/JAX scalars and arrays (e.g. a costs history) into the JSON as plain lists."""
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "__array__") and hasattr(obj, "shape"):
        return np.asarray(obj).tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _validate(params: dict, where: str, layer_dims=None) -> None:
    """Keys W1..WL, b1..bL (L >= 1, nothing else); 2-D float arrays whose shapes chain."""
    keys = set(params)
    L = sum(1 for k in keys if k.startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L < 1 or keys != expected:
        raise InvalidValueError(
            f"{where}: expected parameter keys W1..WL, b1..bL with consecutive l from 1, got "
            f"{sorted(keys)} (missing {sorted(expected - keys)}, unexpected {sorted(keys - expected)})")
    for k, v in params.items():
        if not np.issubdtype(v.dtype, np.floating):
            raise InvalidTypeError(f"{where}: expected {k} to have a floating dtype, got {v.dtype}")
    dims = [params["W1"].shape[1] if params["W1"].ndim == 2 else None]
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        if W.ndim != 2 or W.shape[1] != dims[-1]:
            want = f"(n{l}, {dims[-1]})" if dims[-1] is not None else "2-D (n1, n0)"
            raise ShapeError(f"{where}: expected W{l} of shape {want}, got {W.shape}")
        if b.shape != (W.shape[0], 1):
            raise ShapeError(f"{where}: expected b{l} of shape ({W.shape[0]}, 1), got {b.shape}")
        dims.append(W.shape[0])
    if layer_dims is not None and (not isinstance(layer_dims, (list, tuple, np.ndarray))
                                   or list(layer_dims) != dims):
        raise ShapeError(f"{where}: metadata layer_dims {layer_dims} disagree with the "
                         f"parameter shapes, which give {dims}")


def _flatten_state(opt_state):
    """``(arrays, description)`` of a pytree's leaves, in ``jax.tree.leaves`` order."""
    import jax

    flat = jax.tree_util.tree_flatten_with_path(opt_state)[0]
    arrays = [np.asarray(leaf) for _, leaf in flat]
    for (path, _), a in zip(flat, arrays):
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
            raise InvalidTypeError(f"opt_state: expected numeric leaves, got {a.dtype} at {jax.tree_util.keystr(path)}")
    return arrays, {"paths": [jax.tree_util.keystr(p) for p, _ in flat], "shapes": [list(a.shape) for a in arrays],
                    "dtypes": [a.dtype.name for a in arrays]}


def save(path, params, metadata=None, *, opt_state=None) -> None:
    """Write ``params`` (flat dict ``{"W1": (n1, n0), "b1": (n1, 1), ...}``, JAX or NumPy arrays),
    the JSON-serialisable dict ``metadata`` and, optionally, an optimizer state pytree (e.g. an
    optax state; ``()`` for none) to the ``.npz`` file ``path``, atomically.

    The file is written to a temporary file in the same folder, fsynced, then ``os.replace``d
    over ``path``: on any failure an existing ``path`` is left untouched and no temporary file
    remains. ``path`` is used exactly as given (no ``.npz`` is appended).
    """
    if not isinstance(params, dict):
        raise InvalidTypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict or None, got {type(metadata).__name__}")
    arrays = {str(k): np.asarray(v) for k, v in params.items()}
    meta = dict(metadata or {}, format=FORMAT, format_version=FORMAT_VERSION, dnnjax_version=_dnnjax_version())
    meta.pop("opt_state", None)
    _validate(arrays, "params", meta.get("layer_dims"))
    if opt_state is not None:
        leaves, meta["opt_state"] = _flatten_state(opt_state)
        arrays.update({f"{OPT_PREFIX}{i}": a for i, a in enumerate(leaves)})
    try:
        text = json.dumps(meta, default=_json_default)
    except (TypeError, ValueError) as e:
        raise InvalidTypeError(f"metadata: expected a JSON-serialisable dict: {e}") from e
    arrays[METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    if not path.parent.is_dir():
        raise InvalidValueError(f"path: cannot write a checkpoint in the folder {path.parent}: it does not exist")
    atomic_write(path, lambda f: np.savez(f, **arrays))  # OSError (e.g. a read-only folder) propagates


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the npz at ``path``, read eagerly, never unpickling; trouble names the file."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x93NUMPY"):
        raise InvalidValueError(f"{path}: expected a .npz checkpoint, got a single .npy array")
    if not head.startswith(_ZIP_MAGIC):
        raise InvalidValueError(f"{path}: not a dnnjax checkpoint (a checkpoint is a .npz zip archive; "
                                f"this file starts with {head!r})")
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {}
            for k in z.files:
                try:
                    out[k] = z[k]
                except ValueError as e:
                    if "allow_pickle" not in str(e):
                        raise
                    raise InvalidValueError(f"{path}: not a dnnjax checkpoint: the entry {k!r} is an object "
                                            "(pickled) array; dnnjax checkpoints hold numeric arrays only "
                                            "and are never unpickled") from None
            return out
    except InvalidValueError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise InvalidValueError(f"{path}: not a readable .npz checkpoint (truncated or corrupt?): "
                                f"{type(e).__name__}: {e}") from e


@dataclass
class Checkpoint:
    """What :func:`load_full` read: ``params`` (W1, b1, ..., NumPy), ``metadata`` (the JSON) and
    ``opt_leaves`` (the stored optimizer-state leaves, or None when the file holds no state)."""

    params: dict
    metadata: dict
    opt_leaves: list | None


def load_full(path) -> Checkpoint:
    """Read a checkpoint written by :func:`save` (any readable format version)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidValueError(f"path: expected an existing checkpoint file, but {path} does not exist")
    arrays = _read_npz(path)
    raw = arrays.pop(METADATA_KEY, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise InvalidValueError(f"{path}: not a dnnjax checkpoint (expected a 1-D uint8 "
                                f"'{METADATA_KEY}' entry; found entries {sorted(arrays)})")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidValueError(f"{path}: the '{METADATA_KEY}' entry is not UTF-8 JSON: {e}") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise InvalidValueError(f"{path}: expected format {FORMAT!r}, found {found!r}")
    if meta.get("format_version") not in READABLE_VERSIONS:
        raise InvalidValueError(f"{path}: expected format_version {' or '.join(map(str, READABLE_VERSIONS))}, "
                                f"found {meta.get('format_version')!r} (written by a newer dnnjax?)")
    opt_keys = sorted((k for k in arrays if k.startswith(OPT_PREFIX)), key=lambda k: k[len(OPT_PREFIX):].zfill(9))
    described = meta.get("opt_state")
    opt_leaves = None
    if described is not None or opt_keys:
        n = len(described.get("paths", [])) if isinstance(described, dict) else -1
        if n != len(opt_keys) or opt_keys != [f"{OPT_PREFIX}{i}" for i in range(n)]:
            raise InvalidValueError(f"{path}: the optimizer state is damaged: the metadata describes {n} "
                                    f"leaves, the file holds {len(opt_keys)} ({opt_keys[:5]}...)")
        opt_leaves = [arrays.pop(k) for k in opt_keys]
    _validate(arrays, str(path), meta.get("layer_dims"))
    L = len(arrays) // 2
    params = {f"{p}{l}": arrays[f"{p}{l}"] for l in range(1, L + 1) for p in "Wb"}
    return Checkpoint(params, meta, opt_leaves)


def load(path):
    """Read a checkpoint written by :func:`save`: returns ``(params, metadata)``.

    ``params`` is a dict of NumPy arrays in the order W1, b1, ..., WL, bL; ``metadata`` the
    stored JSON object, including ``format``, ``format_version`` and ``dnnjax_version``.
    """
    ckpt = load_full(path)
    return ckpt.params, ckpt.metadata


def restore_opt_state(ckpt: Checkpoint, template, where: str):
    """The stored optimizer state as a pytree shaped like ``template`` (``optimizer.init(params)``),
    after checking leaf by leaf that paths, shapes and dtypes agree; JAX arrays. ``where`` names
    the file (and flag) in errors. A checkpoint without a state raises too: ask first."""
    import jax
    import jax.numpy as jnp

    if ckpt.opt_leaves is None:
        raise InvalidValueError(f"{where}: the checkpoint holds no optimizer state")
    _, want = _flatten_state(template)
    have = ckpt.metadata["opt_state"]
    n_have, n_want = len(ckpt.opt_leaves), len(want["paths"])
    if have.get("paths") != want["paths"]:
        raise InvalidValueError(
            f"{where}: the checkpoint's optimizer state does not fit this optimizer: it has {n_have} leaves "
            f"{have.get('paths', [])[:4]}..., the optimizer expects {n_want} {want['paths'][:4]}...")
    for p, leaf, shape, dtype in zip(want["paths"], ckpt.opt_leaves, want["shapes"], want["dtypes"]):
        if list(leaf.shape) != shape or leaf.dtype.name != dtype:
            raise InvalidValueError(f"{where}: the checkpoint's optimizer state {p} is {leaf.dtype.name} "
                                    f"{tuple(leaf.shape)}; this optimizer expects {dtype} {tuple(shape)}")
    return jax.tree.unflatten(jax.tree.structure(template), [jnp.asarray(a) for a in ckpt.opt_leaves])
