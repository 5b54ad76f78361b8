"""Tests of dnnjax.checkpoint: round trips, the on-disk format, atomic writes, and rejection of
corrupt, foreign or malformed files."""
import json
import os

import numpy as np
import pytest

from dnnjax import checkpoint, files
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
    assert meta2["format"] == "dnnjax-checkpoint" and meta2["format_version"] == 2
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
    assert meta["format"] == "dnnjax-checkpoint" and meta["format_version"] == 2


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

    monkeypatch.setattr(files.os, "replace", broken_replace)
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
    words = "not a dnnjax checkpoint" if damage in ("garbage", "empty") else "not a readable .npz"
    with pytest.raises(InvalidValueError, match=f"model.npz: {words}") as info:
        checkpoint.load(path)
    assert "pickle" not in str(info.value)


def test_foreign_and_wrong_format_files(tmp_path):
    foreign = write_raw(tmp_path / "foreign.npz", make_params())
    with pytest.raises(InvalidValueError, match="not a dnnjax checkpoint"):
        checkpoint.load(foreign)
    other = write_raw(tmp_path / "other.npz", make_params(), {"format": "flax"})
    with pytest.raises(InvalidValueError, match="'flax'"):
        checkpoint.load(other)
    newer = write_raw(tmp_path / "newer.npz", make_params(), dict(GOOD_META, format_version=3))
    with pytest.raises(InvalidValueError, match="format_version"):
        checkpoint.load(newer)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(InvalidValueError, match="single .npy"):
        checkpoint.load(npy)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([{"a": 1}], dtype=object), __metadata__=np.zeros(1, np.uint8))
    with pytest.raises(InvalidValueError, match="pickled.npz: not a dnnjax checkpoint.*'W1'.*never unpickled") as info:
        checkpoint.load(pickled)
    assert "allow_pickle" not in str(info.value)
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


# ----------------------------------------------------------------------------- optimizer state, old files, foreign files
DATA = os.path.join(os.path.dirname(__file__), "data")


def adam_state_after_steps(params, steps=3):
    import jax
    import optax

    opt = optax.adam(0.01)
    state = opt.init(params)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats and int counts
        for k in range(steps):
            g = jax.tree.map(lambda p: p * (k + 1.0), params)
            _, state = opt.update(g, state, params)
    return opt, state


def test_optimizer_state_round_trips_leaf_for_leaf(tmp_path):
    import jax

    params = make_params((4, 3, 1), np.float32)
    opt, state = adam_state_after_steps(params)
    checkpoint.save(tmp_path / "m.npz", params, {"optimizer": "adam"}, opt_state=state)
    ckpt = checkpoint.load_full(tmp_path / "m.npz")
    assert list(ckpt.params) == ["W1", "b1", "W2", "b2"]  # the state's leaves are not parameters
    assert ckpt.metadata["opt_state"]["paths"][0] == "[0].count"
    restored = checkpoint.restore_opt_state(ckpt, opt.init(params), "m.npz")
    assert jax.tree.structure(restored) == jax.tree.structure(state)
    for a, b in zip(jax.tree.leaves(restored), jax.tree.leaves(state)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert int(restored[0].count) == 3
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:  # plain arrays, nothing pickled
        assert sorted(z.files) == sorted(["W1", "b1", "W2", "b2", "__metadata__"] + [f"__opt__{i}" for i in range(9)])


def test_optimizer_state_must_fit_the_optimizer_asked_for(tmp_path):
    import optax

    params = make_params((4, 3, 1), np.float32)
    _, state = adam_state_after_steps(params)
    checkpoint.save(tmp_path / "m.npz", params, opt_state=state)
    ckpt = checkpoint.load_full(tmp_path / "m.npz")
    with pytest.raises(InvalidValueError, match="m.npz: the checkpoint's optimizer state does not fit.*9 leaves"):
        checkpoint.restore_opt_state(ckpt, optax.sgd(0.1, momentum=0.9).init(params), "m.npz")
    other = make_params((4, 5, 1), np.float32)  # same optimizer, other shapes
    with pytest.raises(InvalidValueError, match=r"\[0\].mu\['W1'\] is float32 \(3, 4\).*\(5, 4\)"):
        checkpoint.restore_opt_state(ckpt, optax.adam(0.01).init(other), "m.npz")
    import jax

    with jax.enable_x64(True), pytest.raises(InvalidValueError, match="is float32 .* expects float64"):
        checkpoint.restore_opt_state(ckpt, optax.adam(0.01).init(make_params((4, 3, 1))), "m.npz")


def test_damaged_optimizer_state_is_refused(tmp_path):
    params = make_params((4, 3, 1), np.float32)
    _, state = adam_state_after_steps(params)
    checkpoint.save(tmp_path / "m.npz", params, opt_state=state)
    with np.load(tmp_path / "m.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "__opt__8"}
    with open(tmp_path / "cut.npz", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(InvalidValueError, match="cut.npz: the optimizer state is damaged"):
        checkpoint.load(tmp_path / "cut.npz")


def test_format_version_1_files_still_load():
    """Written by `dnnjax train` before checkpoints held optimizer state (tests/data/README.md)."""
    ckpt = checkpoint.load_full(os.path.join(DATA, "v1_moons_adam.npz"))
    assert ckpt.metadata["format_version"] == 1 and ckpt.opt_leaves is None
    assert ckpt.metadata["optimizer"] == "adam" and ckpt.metadata["iterations"] == 300
    assert [ckpt.params[k].shape for k in ckpt.params] == [(5, 2), (5, 1), (1, 5), (1, 1)]


def test_a_text_file_is_no_checkpoint_and_pickle_is_never_suggested(tmp_path):
    text = tmp_path / "passwd"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(InvalidValueError, match="passwd: not a dnnjax checkpoint") as info:
        checkpoint.load(text)
    assert "pickle" not in str(info.value)
