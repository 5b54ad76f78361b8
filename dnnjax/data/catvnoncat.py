"""The course's cat / non-cat images (two HDF5 files) in the course layout.

:func:`load_catvnoncat` returns ``X`` as ``(H*W*3, m)`` pixel columns scaled to [0, 1] and ``Y``
as ``(1, m)`` float64 labels; every file, dataset, shape, dtype and value is checked first, and
any trouble names the file and what was expected.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

__all__ = ["CAT_FILES", "load_catvnoncat"]

#: The two files expected in the data folder, by split.
CAT_FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}


def _read_h5(file: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read ``keys`` of the HDF5 ``file`` fully into memory; any I/O trouble names the file."""
    import h5py  # here, not at import: ~0.1 s that every `dnnjax` command and `import dnnjax` paid

    if not file.is_file():
        raise InvalidValueError(f"cat data: expected the file {file}, but it does not exist")
    try:
        with h5py.File(file, "r") as f:
            missing = [k for k in keys if not isinstance(f.get(k), h5py.Dataset)]
            if missing:
                raise InvalidValueError(f"cat data: {file} lacks the dataset(s) {missing}; "
                                        f"expected {list(keys)}, found {sorted(f.keys())}")
            return {k: np.asarray(f[k][()]) for k in keys}
    except OSError as e:  # not HDF5, truncated, unreadable
        raise InvalidValueError(f"cat data: {file} is not a readable HDF5 file "
                                f"(truncated or corrupt?): {e}") from e


def _check_images(x: np.ndarray, where: str) -> None:
    """Images must be (m, H, W, 3), integer, values in 0..255, m >= 1."""
    if x.ndim != 4 or x.shape[-1] != 3 or min(x.shape) < 1:
        raise ShapeError(f"{where}: expected images of shape (m, H, W, 3), got {x.shape}")
    if not np.issubdtype(x.dtype, np.integer):
        raise InvalidTypeError(f"{where}: expected integer pixels (uint8), got dtype {x.dtype}")
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi > 255:
        raise InvalidValueError(f"{where}: expected pixel values in 0..255, got {lo}..{hi}")


def _check_labels(y: np.ndarray, m: int, where: str) -> None:
    """Labels must be (m,), numeric, each 0 or 1."""
    if y.shape != (m,):
        raise ShapeError(f"{where}: expected labels of shape ({m},) to match the images, got {y.shape}")
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise InvalidTypeError(f"{where}: expected numeric 0/1 labels, got dtype {y.dtype}")
    bad = ~np.isin(y, (0, 1))
    if bad.any():
        raise InvalidValueError(f"{where}: expected labels 0 or 1, got {np.unique(y[bad])[:5]}")


def _check_classes(c: np.ndarray, where: str) -> None:
    """The class list must be 1-D with exactly two string entries."""
    is_text = c.dtype.kind in "SU" or (c.dtype == object and all(isinstance(v, (bytes, str)) for v in c.ravel()))
    if c.ndim != 1 or c.shape[0] != 2 or not is_text:
        raise InvalidValueError(f"{where}: expected 2 class names like [b'non-cat', b'cat'], "
                                f"got shape {c.shape}, dtype {c.dtype}")


def load_catvnoncat(path):
    """Load the course's cat / non-cat set from the folder ``path``.

    Returns ``(train_x (12288, 209), train_y (1, 209), test_x (12288, 50), test_y (1, 50),
    classes)``: pixels flattened in C order (height, width, channel) into columns and divided by
    255 (float64), labels float64 ``0.``/``1.``, classes the test file's ``list_classes`` (bytes).
    Everything is validated before anything is returned.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(f"path: expected a folder path (str or os.PathLike), got {type(path).__name__}")
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidValueError(f"path: expected a folder holding {sorted(CAT_FILES.values())}, "
                                f"but {folder} is not an existing folder")
    out, shapes = [], []
    for split in ("train", "test"):
        file = folder / CAT_FILES[split]
        kx, ky = f"{split}_set_x", f"{split}_set_y"
        arrays = _read_h5(file, (kx, ky) + (("list_classes",) if split == "test" else ()))
        x, y = arrays[kx], arrays[ky]
        _check_images(x, f"{file}[{kx}]")
        _check_labels(y, x.shape[0], f"{file}[{ky}]")
        shapes.append(x.shape[1:])
        out += [np.ascontiguousarray(x.reshape(x.shape[0], -1).T.astype(np.float64) / 255.0),
                y.astype(np.float64).reshape(1, -1)]
    if shapes[0] != shapes[1]:
        raise ShapeError(f"cat data: train images are {shapes[0]} but test images are {shapes[1]}; "
                         "expected the same (H, W, 3)")
    classes = arrays["list_classes"]  # ``arrays`` is the test file's, as in the course
    _check_classes(classes, f"{folder / CAT_FILES['test']}[list_classes]")
    return (*out, classes)
