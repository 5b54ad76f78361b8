"""Tests of dnnjax.checkpoint: round trips, the on-disk format, atomic writes, and rejection of
corrupt, foreign or malformed files."""
import json
import os

import numpy as np
import pytest

from dnnjax import checkpoint
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError


def make_params(dims=(4, 3, 1), dtype=np.float64, seed=0):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.randn(dims[l], dims[l - 1]).astype(dtype)
        params[f"b{l}"] = rng.randn(dims[l], 1).astype(dtype)
    return params


def write_raw(path, arrays, meta=None):
    """An npz written by hand, bypassing save()'s checks; meta=None writes no metadata."""
    arrays = dict(arrays)
    if meta is not None:
        arrays["__metadata__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


GOOD_META = {"format": "dnnjax-checkpoint", "format_version": 1}


def leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_keeps_values_dtypes_and_metadata(tmp_path, dtype):
    params = make_params((5, 4, 3, 1), dtype)
    meta = {"layer_dims": [5, 4, 3, 1], "hidden": "relu", "iteration": 2500,
            "costs": [0.69, 0.5, 0.1], "dtype": np.dtype(dtype).name}
    path = tmp_path / "model.npz"
    checkpoint.save(path, params, meta)
    loaded, meta2 = checkpoint.load(path)
    assert list(loaded) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in params:
        assert type(loaded[k]) is np.ndarray and loaded[k].dtype == dtype
        np.testing.assert_array_equal(loaded[k], params[k])
    assert {k: meta2[k] for k in meta} == meta
    assert meta2["format"] == "dnnjax-checkpoint" and meta2["format_version"] == 1
    assert isinstance(meta2["dnnjax_version"], str)
    assert leftovers(tmp_path, "model.npz") == []


def test_jax_arrays_and_numpy_metadata_are_accepted(tmp_path):
    import jax.numpy as jnp
    params = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in make_params().items()}
    costs = np.array([0.7, 0.3])
    checkpoint.save(tmp_path / "m.npz", params, {"costs": costs, "it": np.int64(3)})
    loaded, meta = checkpoint.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded["W2"], np.asarray(params["W2"]))
    assert meta["costs"] == [0.7, 0.3] and meta["it"] == 3


def test_on_disk_format_is_plain_npz_with_uint8_json(tmp_path):
    path = tmp_path / "ckpt"  # no suffix: the path is used exactly as given
    checkpoint.save(path, make_params(), {"note": "hé"})
    assert path.is_file() and not (tmp_path / "ckpt.npz").exists()
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == ["W1", "W2", "__metadata__", "b1", "b2"]
        raw = z["__metadata__"]
    assert raw.dtype == np.uint8 and raw.ndim == 1
    assert json.loads(raw.tobytes().decode("utf-8"))["note"] == "hé"


def test_library_keys_override_user_ones(tmp_path):
    checkpoint.save(tmp_path / "m.npz", make_params(), {"format": "mine", "format_version": 9})
    _, meta = checkpoint.load(tmp_path / "m.npz")
    assert meta["format"] == "dnnjax-checkpoint" and meta["format_version"] == 1


def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = make_params(seed=1)
    checkpoint.save(path, old)
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, make_params(seed=2))
    assert path.read_bytes() == before and leftovers(tmp_path, "model.npz") == []
    monkeypatch.undo()
    np.testing.assert_array_equal(checkpoint.load(path)[0]["W1"], old["W1"])


def test_failure_at_replace_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    checkpoint.save(path, make_params(seed=1))
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise PermissionError("replace refused")

    monkeypatch.setattr(checkpoint.os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        checkpoint.save(path, make_params(seed=2))
    assert path.read_bytes() == before and leftovers(tmp_path, "model.npz") == []


def test_unserialisable_metadata_and_bad_folder_write_nothing(tmp_path):
    path = tmp_path / "model.npz"
    checkpoint.save(path, make_params(seed=1))
    before = path.read_bytes()
    with pytest.raises(InvalidTypeError, match="metadata.*JSON"):
        checkpoint.save(path, make_params(seed=2), {"fn": object()})
    assert path.read_bytes() == before and leftovers(tmp_path, "model.npz") == []
    with pytest.raises(InvalidValueError, match="folder"):
        checkpoint.save(tmp_path / "missing" / "m.npz", make_params())
    with pytest.raises(InvalidTypeError, match="params"):
        checkpoint.save(path, [1, 2])


@pytest.mark.parametrize("params, error, words", [
    ({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "W3": np.ones((1, 3)), "b3": np.ones((1, 1))},
     InvalidValueError, "missing ['W2', 'b2']"),
    ({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "extra": np.ones(2)}, InvalidValueError, "extra"),
    ({}, InvalidValueError, "W1..WL"),
    ({"W1": np.ones((3, 4)), "b1": np.ones((3,))}, ShapeError, "b1 of shape (3, 1)"),
    ({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "W2": np.ones((1, 2)), "b2": np.ones((1, 1))},
     ShapeError, "W2 of shape (n2, 3)"),
    ({"W1": np.ones(4), "b1": np.ones((1, 1))}, ShapeError, "W1"),
    ({"W1": np.ones((3, 4), int), "b1": np.ones((3, 1))}, InvalidTypeError, "floating"),
])
def test_bad_params_rejected_on_save_and_load(tmp_path, params, error, words):
    with pytest.raises(error) as info:
        checkpoint.save(tmp_path / "s.npz", params)
    assert words in str(info.value) and not (tmp_path / "s.npz").exists()
    path = write_raw(tmp_path / "raw.npz", params, GOOD_META)
    with pytest.raises(error) as info:
        checkpoint.load(path)
    assert words in str(info.value) and "raw.npz" in str(info.value)


def test_layer_dims_must_agree_with_shapes(tmp_path):
    with pytest.raises(ShapeError, match="layer_dims"):
        checkpoint.save(tmp_path / "m.npz", make_params((4, 3, 1)), {"layer_dims": [4, 5, 1]})
    path = write_raw(tmp_path / "raw.npz", make_params((4, 3, 1)), dict(GOOD_META, layer_dims=[4, 3, 2]))
    with pytest.raises(ShapeError, match=r"\[4, 3, 2\].*\[4, 3, 1\]"):
        checkpoint.load(path)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip"])
def test_corrupt_files_are_named(tmp_path, damage):
    path = tmp_path / "model.npz"
    checkpoint.save(path, make_params((50, 40, 1)))
    raw = bytearray(path.read_bytes())
    if damage == "flip":  # corrupt stored bytes inside W1: the zip CRC check must catch it
        raw[200:210] = bytes(b ^ 0xFF for b in raw[200:210])
    content = {"truncate": bytes(raw[: len(raw) // 2]), "garbage": b"hello, not a zip" * 10,
               "empty": b"", "flip": bytes(raw)}[damage]
    path.write_bytes(content)
    with pytest.raises(InvalidValueError, match="model.npz: not a readable .npz"):
        checkpoint.load(path)


def test_foreign_and_wrong_format_files(tmp_path):
    foreign = write_raw(tmp_path / "foreign.npz", make_params())
    with pytest.raises(InvalidValueError, match="not a dnnjax checkpoint"):
        checkpoint.load(foreign)
    other = write_raw(tmp_path / "other.npz", make_params(), {"format": "flax"})
    with pytest.raises(InvalidValueError, match="'flax'"):
        checkpoint.load(other)
    newer = write_raw(tmp_path / "newer.npz", make_params(), dict(GOOD_META, format_version=2))
    with pytest.raises(InvalidValueError, match="format_version"):
        checkpoint.load(newer)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(InvalidValueError, match="single .npy"):
        checkpoint.load(npy)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([{"a": 1}], dtype=object), __metadata__=np.zeros(1, np.uint8))
    with pytest.raises(InvalidValueError, match="pickled.npz.*Object arrays"):
        checkpoint.load(pickled)
    with pytest.raises(InvalidValueError, match="does not exist"):
        checkpoint.load(tmp_path / "absent.npz")


def test_saved_checkpoint_has_the_usual_permissions(tmp_path):
    """mkstemp creates 0600 files; a saved checkpoint gets 0666 & ~umask like any other file."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "perm.npz"
        checkpoint.save(path, {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))})
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644
