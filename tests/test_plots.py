"""Tests for dnnjax.plots: every plot writes a valid, non-blank PNG atomically, and bad input
raises dnnjax's named errors before anything is drawn."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.image  # noqa: E402

from dnnjax import plots  # noqa: E402
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_size=(50, 50)):
    path = Path(path)
    assert path.is_file()
    data = path.read_bytes()
    assert len(data) > 100
    assert data[:8] == PNG_SIGNATURE
    img = matplotlib.image.imread(path)
    assert isinstance(img, np.ndarray)
    assert img.dtype == np.float32
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert img.shape[0] >= min_size[0] and img.shape[1] >= min_size[1]
    rgb = img[..., :3]
    assert float(rgb.std()) > 0.01, "image looks blank"
    q = np.round(rgb * 255).astype(np.uint32)
    packed = (q[..., 0] << 16) | (q[..., 1] << 8) | q[..., 2]
    assert len(np.unique(packed)) > 10  # more than a couple of colours
    # no temp files left beside it
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".") or ".tmp" in p.name]
    assert leftovers == []
    return img


def flower(m=120, seed=1):
    rs = np.random.RandomState(seed)
    n = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = range(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rs.randn(n) * 0.2
        r = 4 * np.sin(4 * t) + rs.randn(n) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def prob_fn(G):
    return 1.0 / (1.0 + np.exp(-(3 * np.sin(G[0:1]) + 0.8 * G[1:2])))


# ---------------------------------------------------------------------------- module behaviour


def test_import_does_not_import_matplotlib():
    code = "import sys, dnnjax.plots; assert 'matplotlib' not in sys.modules, 'eager import'"
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_missing_matplotlib_gives_install_hint(tmp_path, monkeypatch):
    for mod in ("matplotlib", "matplotlib.figure", "matplotlib.backends", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, mod, None)
    with pytest.raises(ImportError, match=r'pip install "dnnjax\[plots\]"'):
        plots.cost_curves(tmp_path / "c.png", {"a": [1.0, 0.5]})
    assert list(tmp_path.iterdir()) == []


def test_no_pyplot_state_touched(tmp_path):
    plots.cost_curves(tmp_path / "c.png", {"a": [1.0, 0.5]})
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []


# ---------------------------------------------------------------------------- cost_curves


def test_cost_curves_lr_comparison(tmp_path):
    it = np.arange(15)
    curves = {f"lr = {lr}": 0.7 * np.exp(-lr * 300 * it) + 0.05 for lr in (0.01, 0.001, 0.0001)}
    out = plots.cost_curves(str(tmp_path / "nested" / "dir" / "costs.png"), curves, title="lr")
    assert isinstance(out, Path) and out == tmp_path / "nested" / "dir" / "costs.png"
    assert_png(out)


def test_cost_curves_single_logy_jax_and_nonfinite(tmp_path):
    import jax.numpy as jnp

    costs = jnp.asarray([0.69, 0.3, 0.1, 0.05] * 10)
    assert_png(plots.cost_curves(tmp_path / "a.png", {"run": costs}, logy=True, log_every=1))
    diverged = np.array([0.69, 0.5, np.nan, np.inf])
    assert_png(plots.cost_curves(tmp_path / "b.png", {"run": diverged}, ylabel="MSE"))


def test_cost_curves_overwrites_existing(tmp_path):
    p = tmp_path / "c.png"
    p.write_bytes(b"old")
    plots.cost_curves(p, {"a": [1.0, 0.5, 0.2]})
    assert_png(p)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(curves={}), InvalidValueError, "at least one curve"),
        (dict(curves=[1.0, 2.0]), InvalidTypeError, "curves must be a dict"),
        (dict(curves={"a": np.ones((2, 3))}), ShapeError, r"curves\['a'\].*1-D.*\(2, 3\)"),
        (dict(curves={"a": np.ones(0)}), ShapeError, r"curves\['a'\].*\(0,\)"),
        (dict(curves={"a": [1.0]}, log_every=0), InvalidValueError, "log_every"),
        (dict(curves={"a": [1.0]}, log_every=1.5), InvalidTypeError, "log_every"),
        (dict(curves={"a": [1.0, 0.0]}, logy=True), InvalidValueError, "logy"),
        (dict(curves={"a": ["x", "y"]}), InvalidTypeError, r"curves\['a'\]"),
    ],
)
def test_cost_curves_bad_input(tmp_path, kwargs, err, match):
    with pytest.raises(err, match=match):
        plots.cost_curves(tmp_path / "c.png", **kwargs)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- decision_boundary


def test_decision_boundary_probabilities(tmp_path):
    X, Y = flower()
    seen = []

    def fn(G):
        seen.append((G.shape, G.dtype))
        return prob_fn(G)

    out = plots.decision_boundary(tmp_path / "db.png", fn, X, Y, title="tanh", resolution=60)
    assert_png(out)
    assert seen == [((2, 3600), np.float64)]


@pytest.mark.parametrize(
    "fn",
    [
        lambda G: (prob_fn(G) > 0.5).astype(np.float32),  # 0./1.
        lambda G: prob_fn(G) > 0.5,  # boolean, like the course's planar predict
        lambda G: np.ones((1, G.shape[1])),  # constant: one class everywhere
        lambda G: (prob_fn(G) > 0.5).ravel() * 3.0 - 1.0,  # other scores, 1-D output
    ],
    ids=["binary", "bool", "constant", "scores"],
)
def test_decision_boundary_prediction_kinds(tmp_path, fn):
    X, Y = flower()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_png(plots.decision_boundary(tmp_path / "db.png", fn, X, Y, resolution=40))


def test_decision_boundary_jax_predict_float32(tmp_path):
    import jax.numpy as jnp

    X, Y = flower()
    X32 = jnp.asarray(X, dtype=jnp.float32)
    seen = []

    def fn(G):
        seen.append(G.dtype)
        return jnp.tanh(jnp.asarray(G)[0:1]) * 0.5 + 0.5

    assert_png(plots.decision_boundary(tmp_path / "db.png", fn, X32, jnp.asarray(Y), resolution=30))
    assert seen == [np.float32]


@pytest.mark.parametrize(
    "X, Y, fn, kwargs, err, match",
    [
        ("T", None, prob_fn, {}, ShapeError, r"X must have shape \(2, m\).*\(120, 2\).*X\.T"),
        (None, "flat", prob_fn, {}, ShapeError, r"Y must have shape \(1, m\) = \(1, 120\).*\(120,\)"),
        (None, "twos", prob_fn, {}, InvalidValueError, "Y must hold labels 0/1"),
        ("nan", None, prob_fn, {}, InvalidValueError, "X must be finite"),
        (None, None, "notcallable", {}, InvalidTypeError, "predict_fn must be callable"),
        (None, None, lambda G: G, {}, ShapeError, r"predict_fn output.*\(1, 400\).*\(2, 400\)"),
        (None, None, lambda G: prob_fn(G) * np.nan, {}, InvalidValueError, "predict_fn output must be finite"),
        (None, None, prob_fn, {"resolution": 1}, InvalidValueError, "resolution"),
        (None, None, prob_fn, {"padding": -1.0}, InvalidValueError, "padding"),
    ],
)
def test_decision_boundary_bad_input(tmp_path, X, Y, fn, kwargs, err, match):
    X0, Y0 = flower()
    X = {None: X0, "T": X0.T, "nan": np.where(X0 > 3, np.nan, X0)}[X]
    Y = {None: Y0, "flat": Y0.ravel(), "twos": Y0 * 2}[Y]
    kwargs = {"resolution": 20, **kwargs}
    with pytest.raises(err, match=match):
        plots.decision_boundary(tmp_path / "db.png", fn, X, Y, **kwargs)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- image_grid


def _images(k=7, seed=0):
    imgs = np.random.default_rng(seed).integers(0, 256, (k, 16, 16, 3), dtype=np.uint8)
    imgs[:, 4:10, 4:10] = [255, 128, 0]
    return imgs


def test_image_grid_uint8_with_titles(tmp_path):
    imgs = _images(7)
    titles = ["pred: cat / true: non-cat"] * 7
    assert_png(plots.image_grid(tmp_path / "g.png", imgs, titles=titles, ncols=3, title="mislabelled"))


def test_image_grid_float_and_int64(tmp_path):
    imgs = _images(3)
    assert_png(plots.image_grid(tmp_path / "f.png", imgs / 255.0))
    assert_png(plots.image_grid(tmp_path / "i.png", imgs.astype(np.int64)))


def test_image_grid_course_layout(tmp_path):
    imgs = _images(4)
    X = imgs.reshape(4, -1).T / 255.0  # (16*16*3, 4), the course's flattening
    out = plots.image_grid(tmp_path / "c.png", X, image_shape=(16, 16, 3), titles=list("abcd"))
    a = assert_png(out)
    ref = assert_png(plots.image_grid(tmp_path / "r.png", imgs, titles=list("abcd")))
    assert a.shape == ref.shape
    assert np.abs(a - ref).max() < 0.02  # the same picture


def test_image_grid_empty(tmp_path):
    assert_png(plots.image_grid(tmp_path / "e.png", np.zeros((0, 16, 16, 3), np.uint8)))
    assert_png(plots.image_grid(tmp_path / "e2.png", np.zeros((768, 0)), image_shape=(16, 16, 3), titles=[]))


@pytest.mark.parametrize(
    "images, kwargs, err, match",
    [
        ("img", {"titles": ["a"] * 6}, InvalidValueError, r"one entry per image \(7\), got 6"),
        ("img", {"titles": "abc"}, InvalidTypeError, "titles must be a list"),
        ("img", {"ncols": 0}, InvalidValueError, "ncols"),
        ("float>1", {}, InvalidValueError, r"\[0, 1\].*255"),
        ("neg_int", {}, InvalidValueError, r"0\.\.255"),
        ("flat", {}, ShapeError, r"\(k, H, W, 3\).*image_shape=\(64, 64, 3\)"),
        ("single", {}, ShapeError, r"\(k, H, W, 3\).*images\[None\]"),
        ("flat", {"image_shape": (8, 8, 3)}, ShapeError, r"\(192, k\).*\(768, 7\)"),
        ("flat", {"image_shape": (16, 16)}, InvalidValueError, "image_shape"),
    ],
)
def test_image_grid_bad_input(tmp_path, images, kwargs, err, match):
    imgs = _images(7)
    images = {
        "img": imgs,
        "float>1": imgs.astype(np.float32),
        "neg_int": imgs.astype(np.int32) - 1,
        "flat": imgs.reshape(7, -1).T,
        "single": imgs[0],
    }[images]
    with pytest.raises(err, match=match):
        plots.image_grid(tmp_path / "g.png", images, **kwargs)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- grad_comparison


def _table():
    t = {}
    for l in (1, 2):
        t[f"W{l}"] = {"manual vs autodiff": 1e-8 * l, "manual vs finite diff": 3e-9, "autodiff vs finite diff": 2e-9}
        t[f"b{l}"] = {"manual vs autodiff": 0.0, "manual vs finite diff": float("nan"), "autodiff vs finite diff": 4e-6}
    return t


def test_grad_comparison(tmp_path):
    assert_png(plots.grad_comparison(tmp_path / "g.png", _table(), title="check"))


def test_grad_comparison_edge_values(tmp_path):
    import jax.numpy as jnp

    table = {
        "W1": {"manual vs autodiff": jnp.asarray(0.0), "autodiff vs finite diff": np.float64(1e-25)},
        "b1": {"manual vs autodiff": 0.5},  # missing pair -> n/a
        "W2": {"manual vs autodiff": float("nan"), "autodiff vs finite diff": float("nan")},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_png(plots.grad_comparison(tmp_path / "g.png", table))


@pytest.mark.parametrize(
    "table, err, match",
    [
        ({}, InvalidValueError, "at least one parameter"),
        ([1, 2], InvalidTypeError, "table must be a dict"),
        ({"W1": 1e-8}, InvalidTypeError, r"table\['W1'\] must be a dict"),
        ({"W1": {"manual vs autodiff": -1e-8}}, InvalidValueError, r"table\['W1'\]\['manual vs autodiff'\].*>= 0"),
        ({"W1": {"manual vs autodiff": float("inf")}}, InvalidValueError, ">= 0"),
        ({"W1": {"manual vs autodiff": [1e-8, 2e-8]}}, ShapeError, "single number"),
        ({"W1": {}}, InvalidValueError, "no pairs"),
    ],
)
def test_grad_comparison_bad_input(tmp_path, table, err, match):
    with pytest.raises(err, match=match):
        plots.grad_comparison(tmp_path / "g.png", table)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- predicted_vs_true


def test_predicted_vs_true(tmp_path):
    rng = np.random.default_rng(0)
    yt = rng.normal(size=(1, 100)) * 1e5 + 3e5
    yp = yt + rng.normal(size=(1, 100)) * 3e4
    assert_png(plots.predicted_vs_true(tmp_path / "p.png", yt, yp, title="prices"))
    assert_png(plots.predicted_vs_true(tmp_path / "p1.png", yt.ravel(), yp.ravel()))
    assert_png(plots.predicted_vs_true(tmp_path / "p2.png", np.vstack([yt, -yt]), np.vstack([yp, -yp])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_png(plots.predicted_vs_true(tmp_path / "p3.png", np.ones((1, 5)), np.ones((1, 5))))


@pytest.mark.parametrize(
    "yt, yp, err, match",
    [
        (np.ones((1, 5)), np.ones((1, 4)), ShapeError, r"y_pred.*same shape as y_true \(1, 5\).*\(1, 4\)"),
        (np.ones((1, 5)), np.ones((5, 1)), ShapeError, "same shape"),
        (np.ones((1, 0)), np.ones((1, 0)), ShapeError, "y_true"),
        (np.ones((2, 2, 2)), np.ones((2, 2, 2)), ShapeError, r"y_true.*\(n_y, m\)"),
        (np.ones((1, 3)), np.array([[1.0, np.nan, 2.0]]), InvalidValueError, "y_pred must be finite"),
    ],
)
def test_predicted_vs_true_bad_input(tmp_path, yt, yp, err, match):
    with pytest.raises(err, match=match):
        plots.predicted_vs_true(tmp_path / "p.png", yt, yp)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- scatter_2d


def test_scatter_2d(tmp_path):
    X, Y = flower()
    assert_png(plots.scatter_2d(tmp_path / "s.png", X, Y, title="flower"))
    # multi-class integer labels (blobs before the % 2) also work
    labels = (np.arange(X.shape[1]) % 6).reshape(1, -1)
    assert_png(plots.scatter_2d(tmp_path / "s6.png", X, labels))


@pytest.mark.parametrize(
    "which, err, match",
    [
        ("XT", ShapeError, r"X must have shape \(2, m\)"),
        ("X3", ShapeError, r"X must have shape \(2, m\).*\(3, 120\)"),
        ("Ycol", ShapeError, r"Y must have shape \(1, m\).*\(120, 1\)"),
        ("Yfrac", InvalidValueError, "non-negative integer labels"),
        ("Xstr", InvalidTypeError, "X must be a real numeric array"),
    ],
)
def test_scatter_2d_bad_input(tmp_path, which, err, match):
    X, Y = flower()
    if which == "XT":
        X = X.T
    elif which == "X3":
        X = np.vstack([X, X[:1]])
    elif which == "Ycol":
        Y = Y.T
    elif which == "Yfrac":
        Y = Y * 0.5
    elif which == "Xstr":
        X = X.astype(str)
    with pytest.raises(err, match=match):
        plots.scatter_2d(tmp_path / "s.png", X, Y)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- paths and atomicity


def test_bad_path_type(tmp_path):
    with pytest.raises(InvalidTypeError, match="path"):
        plots.cost_curves(123, {"a": [1.0]})
    with pytest.raises(InvalidValueError, match="path"):
        plots.cost_curves("", {"a": [1.0]})


def test_failed_write_leaves_no_temp_and_keeps_old_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    p = tmp_path / "c.png"
    p.write_bytes(b"previous")

    def boom(self, fh, **kwargs):
        fh.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.cost_curves(p, {"a": [1.0, 0.5]})
    assert p.read_bytes() == b"previous"
    assert [q.name for q in tmp_path.iterdir()] == ["c.png"]


def test_file_permissions_follow_umask(tmp_path):
    p = plots.scatter_2d(tmp_path / "s.png", *flower(20))
    old = os.umask(0o022)
    os.umask(old)
    assert (p.stat().st_mode & 0o777) == (0o666 & ~old)


# ---------------------------------------------------------------------------- multi-class: confusion matrix, grayscale


def test_confusion_counts_and_matrix(tmp_path):
    y_true = np.array([[0, 0, 1, 1, 2, 2, 2]])
    y_pred = np.array([[0, 1, 1, 1, 2, 0, 2]])
    counts = plots.confusion_counts(y_true, y_pred, 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])  # [true, predicted]
    assert_png(plots.confusion_matrix(tmp_path / "c.png", y_true, y_pred, classes=3), (200, 200))
    assert_png(plots.confusion_matrix(tmp_path / "n.png", y_true[0], y_pred[0], classes=["a", "b", "c"],
                                      title="named"))


@pytest.mark.parametrize("y_pred, classes, err, match", [
    (np.array([0, 1]), 3, ShapeError, "one class index per example"),
    (np.array([0, 1, 5]), 3, InvalidValueError, "below classes=3"),
    (np.array([0, 1, -1]), 3, InvalidValueError, "class indices 0, 1"),
    (np.array([0, 1, 1]), "abc", InvalidTypeError, "classes must be"),
    (np.array([0, 1, 1]), 1, InvalidValueError, "classes"),
])
def test_confusion_matrix_bad_input(tmp_path, y_pred, classes, err, match):
    with pytest.raises(err, match=match):
        plots.confusion_matrix(tmp_path / "c.png", np.array([0, 1, 2]), y_pred, classes=classes)
    assert list(tmp_path.iterdir()) == []


def test_image_grid_grayscale_course_layout(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.random((5, 8, 8, 1))
    X = imgs.reshape(5, -1).T  # (64, 5): the digits' layout
    a = assert_png(plots.image_grid(tmp_path / "g.png", X, image_shape=(8, 8, 1), titles=list("abcde")))
    b = assert_png(plots.image_grid(tmp_path / "s.png", imgs, titles=list("abcde")))
    assert a.shape == b.shape and np.abs(a - b).max() < 0.02
    with pytest.raises(ShapeError, match=r"\(k, H, W, 1\)"):
        plots.image_grid(tmp_path / "bad.png", imgs[..., 0])


# ---------------------------------------------------------------------------- cost of drawing (issue 13)


def test_boundary_grid_is_the_grid_decision_boundary_predicts_on(tmp_path):
    X, Y = flower()
    seen = []
    plots.decision_boundary(tmp_path / "db.png", lambda G: seen.append(G) or prob_fn(G), X, Y, resolution=25,
                            padding=0.5)
    grid = plots.boundary_grid(X, resolution=25, padding=0.5)
    assert grid.shape == (2, 625) and grid.dtype == seen[0].dtype
    np.testing.assert_array_equal(grid, seen[0])
    with pytest.raises(ShapeError, match=r"X must have shape \(2, m\)"):
        plots.boundary_grid(X.T)
    with pytest.raises(InvalidValueError, match="resolution"):
        plots.boundary_grid(X, resolution=1)


def test_no_plot_builds_mathtext(tmp_path, monkeypatch):
    """matplotlib builds its TeX parser on the first $...$ label (a quarter second or more per
    process): the plots' own labels, log axes included, are plain Unicode text."""
    import matplotlib.mathtext

    parsed = []
    original = matplotlib.mathtext.MathTextParser.parse
    monkeypatch.setattr(matplotlib.mathtext.MathTextParser, "parse",
                        lambda self, s, *a, **k: parsed.append(s) or original(self, s, *a, **k))
    X, Y = flower()
    plots.decision_boundary(tmp_path / "db.png", prob_fn, X, Y, resolution=30)
    plots.grad_comparison(tmp_path / "g.png", _table())
    plots.cost_curves(tmp_path / "c.png", {"a": [1.0, 0.5, 0.01, 1e-4]}, logy=True)
    plots.predicted_vs_true(tmp_path / "p.png", np.arange(6.0).reshape(1, -1), np.arange(6.0).reshape(1, -1) + 0.1)
    plots.scatter_2d(tmp_path / "s.png", X, Y)
    assert parsed == []
    from dnnjax.plots._io import _unmath  # the log axes' labels, as matplotlib's default would read

    assert [_unmath(s) for s in (r"$\mathdefault{10^{-7}}$", r"$\mathdefault{2\times10^{-1}}$",
                                 r"$\mathdefault{10^{0}}$", "1e-3")] == ["10⁻⁷", "2×10⁻¹", "10⁰", "1e-3"]


def test_background_drawer_writes_the_same_pngs_as_drawing_here(tmp_path):
    from dnnjax.plots.background import Drawer

    X, Y = flower()
    grid = plots.boundary_grid(X, resolution=40)
    values = (prob_fn(grid) > 0.5).astype(np.float32)
    here, there = tmp_path / "here", tmp_path / "there"
    plots.decision_boundary(here / "db.png", lambda G: values, X, Y, title="t", resolution=40)
    plots.grad_comparison(here / "g.png", _table(), title="check")
    with Drawer(there) as drawer:
        drawer.boundary("db.png", values, X, Y, title="t", resolution=40)
        drawer.draw("g.png", "grad_comparison", _table(), title="check")
        files = drawer.close()
    assert files == ["db.png", "g.png"]
    for name in files:  # the helper's PNGs are byte for byte this process's
        assert (there / name).read_bytes() == (here / name).read_bytes()


def test_background_drawer_failures_are_raised_here(tmp_path, monkeypatch):
    from dnnjax.plots import background

    with pytest.raises(InvalidValueError, match="log_every"):  # the helper failed: redrawn here, raised here
        with background.Drawer(tmp_path) as drawer:
            drawer.draw("c.png", "cost_curves", {"a": [1.0, 0.5]}, log_every=0)
            drawer.close()

    def no_process(*a, **k):
        raise OSError("no processes left")

    monkeypatch.setattr(background.subprocess, "Popen", no_process)  # no helper: everything drawn here
    with background.Drawer(tmp_path / "local") as drawer:
        drawer.draw("c.png", "cost_curves", {"a": [1.0, 0.5]})
    assert drawer.files == ["c.png"]
    assert_png(tmp_path / "local" / "c.png")


def test_background_drawer_stops_its_helper_on_error(tmp_path):
    from dnnjax.plots.background import Drawer

    with pytest.raises(KeyboardInterrupt):
        with Drawer(tmp_path) as drawer:
            raise KeyboardInterrupt
    assert drawer._proc.returncode is not None  # killed and reaped, not left behind
