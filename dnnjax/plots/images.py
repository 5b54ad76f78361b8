"""A grid of images with optional captions (e.g. the cat set's mislabelled pictures, the digits
a network got wrong).

Accepts ``(k, H, W, 3)`` colour or ``(k, H, W, 1)`` grayscale stacks or, with ``image_shape``,
the course-layout matrix ``(H*W*C, k)`` of flattened columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.plots._checks import _as_numeric, _check_finite, _check_int, _check_title
from dnnjax.plots._io import PathLike, _check_path, _new_figure, _save

__all__ = ["image_grid"]


def image_grid(
    path: PathLike,
    images: Any,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 5,
    title: str | None = None,
    image_shape: tuple[int, int, int] | None = None,
) -> Path:
    """Show images in a grid, optionally with one caption each (e.g. ``"pred: cat / true: non-cat"``).

    ``images`` is ``(k, H, W, 3)`` (colour) or ``(k, H, W, 1)`` (grayscale, drawn dark on light),
    either uint8 (other integer dtypes with values in 0..255 are accepted) or float in [0, 1].
    With ``image_shape=(H, W, C)`` (C 3 or 1) it is instead a course-layout matrix ``(H*W*C, k)``
    whose columns are images flattened in C order (the cat data's ``X``, divided by 255 or not;
    the digits' ``X`` with ``(8, 8, 1)``). ``titles`` is a list of ``k`` strings. With ``k == 0`` the figure just
    says "no images".
    """
    path = _check_path(path)
    title = _check_title(title)
    ncols = _check_int("ncols", ncols, minimum=1)
    arr = _as_numeric("images", images)
    if image_shape is not None:
        if (
            not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 3
            or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in image_shape)
            or image_shape[2] not in (1, 3)
        ):
            raise InvalidValueError(
                f"image_shape must be a tuple (H, W, 3) or (H, W, 1) of positive ints, got {image_shape!r}"
            )
        n = int(np.prod(image_shape))
        if arr.ndim != 2 or arr.shape[0] != n:
            raise ShapeError(
                f"images must have shape (H*W*C, k) = ({n}, k) for image_shape={tuple(image_shape)} "
                f"(one flattened image per column), got shape {arr.shape}"
            )
        arr = arr.T.reshape((arr.shape[1], *(int(d) for d in image_shape)))
    elif arr.ndim != 4 or arr.shape[3] not in (1, 3):
        hint = ""
        if arr.ndim == 2:
            hint = " (for a course-layout matrix of flattened columns pass image_shape=(64, 64, 3))"
        elif arr.ndim == 3 and arr.shape[-1] == 3:
            hint = " (for a single image pass images[None])"
        raise ShapeError(f"images must have shape (k, H, W, 3), or (k, H, W, 1) for grayscale, got shape "
                         f"{arr.shape}{hint}")
    k = arr.shape[0]
    if k > 0 and (arr.shape[1] < 1 or arr.shape[2] < 1):
        raise ShapeError(f"images must have H, W >= 1, got image shape {arr.shape[1:]}")

    if arr.dtype == np.bool_:
        raise InvalidTypeError("images must be uint8 or float in [0, 1], got dtype bool")
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype != np.uint8:
            if arr.size and (arr.min() < 0 or arr.max() > 255):
                raise InvalidValueError(
                    f"integer images must have values in 0..255, got range [{arr.min()}, {arr.max()}]"
                )
            arr = arr.astype(np.uint8)
    else:
        _check_finite("images", arr)
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise InvalidValueError(
                f"float images must have values in [0, 1], got range [{arr.min():.4g}, {arr.max():.4g}]"
                " (divide 0..255 pixel values by 255)"
            )
        arr = arr.astype(np.float32)

    if titles is not None:
        if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
            raise InvalidTypeError(
                f"titles must be a list of {k} strings (one per image), got {type(titles).__name__}"
            )
        if len(titles) != k:
            raise InvalidValueError(f"titles must have one entry per image ({k}), got {len(titles)}")
        titles = [str(t) for t in titles]

    if k == 0:
        fig = _new_figure((4.0, 2.5))
        fig.text(0.5, 0.5, "no images", ha="center", va="center", fontsize=16, color="0.3")
        if title is not None:
            fig.suptitle(title)
        return _save(fig, path)

    cols = min(ncols, k)
    rows = math.ceil(k / cols)
    aspect = arr.shape[1] / arr.shape[2]
    cell_w = 2.2
    caption_h = 0.45 if titles is not None else 0.1
    cell_h = cell_w * aspect + caption_h
    title_h = 0.5 if title is not None else 0.0
    fig = _new_figure((cell_w * cols, cell_h * rows + title_h))
    for i in range(rows * cols):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.set_axis_off()
        if i >= k:
            continue
        if arr.shape[3] == 1:
            ax.imshow(arr[i, ..., 0], cmap="gray_r", vmin=0, vmax=255 if arr.dtype == np.uint8 else 1.0,
                      interpolation="nearest")
        else:
            ax.imshow(arr[i], interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i].replace(" / ", "\n"), fontsize=9)
    if title is not None:
        fig.suptitle(title, fontsize=13)
    top = 1.0 - title_h / (cell_h * rows + title_h) if title is not None else 0.98
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=top - 0.01, wspace=0.08,
                        hspace=(caption_h + 0.1) / (cell_w * aspect))
    return _save(fig, path)
