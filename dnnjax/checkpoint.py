"""Save and load parameter pytrees as a single ``.npz`` file: no pickle, written atomically.

Format (``format_version`` 1): one array per parameter key (``W1``, ``b1``, ..., ``WL``, ``bL``;
``W{l}`` is ``(n[l], n[l-1])``, ``b{l}`` is ``(n[l], 1)``, floating dtypes, stored as they are)
plus ``__metadata__``: a UTF-8 JSON object stored as a 1-D ``uint8`` array. The JSON holds the
caller's metadata plus ``format: "dnnjax-checkpoint"``, ``format_version: 1`` and
``dnnjax_version`` (the library sets these three, overriding any the caller passed).
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._io import _umask  # reads the umask without changing it (no matplotlib import)

FORMAT = "dnnjax-checkpoint"
FORMAT_VERSION = 1
METADATA_KEY = "__metadata__"


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


def save(path, params, metadata=None) -> None:
    """Write ``params`` (flat dict ``{"W1": (n1, n0), "b1": (n1, 1), ...}``, JAX or NumPy arrays)
    and the JSON-serialisable dict ``metadata`` to the ``.npz`` file ``path``, atomically.

    The file is written to a temporary file in the same folder, fsynced, then ``os.replace``d
    over ``path``: on any failure an existing ``path`` is left untouched and no temporary file
    remains. ``path`` is used exactly as given (no ``.npz`` is appended).
    """
    if not isinstance(params, dict):
        raise InvalidTypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict or None, got {type(metadata).__name__}")
    arrays = {str(k): np.asarray(v) for k, v in params.items()}
    meta = dict(metadata or {}, format=FORMAT, format_version=FORMAT_VERSION,
                dnnjax_version=_dnnjax_version())
    _validate(arrays, "params", meta.get("layer_dims"))
    try:
        text = json.dumps(meta, default=_json_default)
    except (TypeError, ValueError) as e:
        raise InvalidTypeError(f"metadata: expected a JSON-serialisable dict: {e}") from e
    arrays[METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise InvalidValueError(f"path: cannot write a checkpoint in the folder {path.parent}: {e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a checkpoint gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    try:  # make the rename itself durable; not possible everywhere (e.g. Windows)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the npz at ``path``, read eagerly; any decoding trouble names the file."""
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise InvalidValueError(f"{path}: expected a .npz checkpoint, got a single .npy array")
        with z:
            return {k: z[k] for k in z.files}
    except InvalidValueError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise InvalidValueError(f"{path}: not a readable .npz checkpoint (truncated or corrupt?): "
                                f"{type(e).__name__}: {e}") from e


def load(path):
    """Read a checkpoint written by :func:`save`: returns ``(params, metadata)``.

    ``params`` is a dict of NumPy arrays in the order W1, b1, ..., WL, bL; ``metadata`` the
    stored JSON object, including ``format``, ``format_version`` and ``dnnjax_version``.
    """
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
    if meta.get("format_version") != FORMAT_VERSION:
        raise InvalidValueError(f"{path}: expected format_version {FORMAT_VERSION}, found "
                                f"{meta.get('format_version')!r} (written by a newer dnnjax?)")
    _validate(arrays, str(path), meta.get("layer_dims"))
    L = len(arrays) // 2
    params = {f"{p}{l}": arrays[f"{p}{l}"] for l in range(1, L + 1) for p in "Wb"}
    return params, meta
