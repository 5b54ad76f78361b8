"""What ``dnnjax train`` reports: metrics of a network on the run's data, the run folder's
``metrics.json`` and ``costs.csv``, and its plots.

Classification (binary or multi-class) is scored on class indices: predictions (sigmoid > 0.5,
softmax argmax) against the labels, overall and per class; regression by RMSE.
"""
from __future__ import annotations

import numpy as np

import dnnjax
from dnnjax import plots
from dnnjax.commands import common, run_data

IMAGE_SHAPES = {"digits": (8, 8, 1)}  # data sets whose columns are pictures: misclassified.png
MAX_SHOWN = 20


class Scorer:
    """Cost and metric of parameters on one split of ``d`` for the given architecture."""

    def __init__(self, d: run_data.Data, hidden: str, output: str):
        self.d, self.hidden, self.output = d, hidden, output
        self.name = "rmse" if d.task == "regression" else "accuracy"

    def predict(self, params, X):
        return np.asarray(dnnjax.predict(params, X, hidden=self.hidden, output=self.output))

    def cost(self, params, X, Y) -> float:
        return float(dnnjax.cost(params, X, self.d.targets(Y, self.output), hidden=self.hidden, output=self.output))

    def metric(self, params, X, Y) -> float:
        pred = self.predict(params, X)
        if self.d.task == "regression":
            return common.metric("regression", pred, Y)[1]
        return common.metric(self.d.task, pred[0], self.d.labels(Y))[1]

    def per_class(self, params, X, Y):
        if self.d.task == "regression":
            return None
        return common.per_class_accuracy(self.predict(params, X)[0], self.d.labels(Y), self.d.classes)

    def test(self, params):
        """``(test cost, test metric)``: ``measure`` of the training loop."""
        return self.cost(params, self.d.test_x, self.d.test_y), self.metric(params, self.d.test_x, self.d.test_y)


def final_metrics(score: Scorer, params) -> dict:
    d = score.d
    out = {"metric": score.name, "final_cost": score.cost(params, d.train_x, d.train_y),
           "train": score.metric(params, d.train_x, d.train_y), "test": None, "test_cost": None}
    if d.test_x is not None:
        out["test_cost"], out["test"] = score.test(params)
    if d.task != "regression":
        out["per_class"] = {"train": score.per_class(params, d.train_x, d.train_y),
                            "test": None if d.test_x is None else score.per_class(params, d.test_x, d.test_y)}
    return out


def history_table(h, unit: str, metric: str, with_test: bool):
    """``(header, rows, json)`` of the logged history: ``unit, cost[, test_cost, test_<metric>]``."""
    header, cols = [unit, "cost"], [h.counts, h.costs]
    if with_test:
        header += ["test_cost", f"test_{metric}"]
        cols += [h.test_costs, h.test_metrics]
    as_json = {f"{unit}s" if k == 0 else ("train_cost" if k == 1 else name): list(c)
               for k, (name, c) in enumerate(zip(header, cols))}
    return header, list(zip(*cols)), as_json


def draw(folder, params, score: Scorer, s, dims, h, unit: str) -> list:
    """The run's figures; returns the names written (none without matplotlib)."""
    p, d, output = common.Plots(folder), score.d, score.output
    uniform = h.counts and all(c == k * s.log_every for k, c in enumerate(h.counts))
    curves = {"train cost": h.costs}
    nan = lambda v: [np.nan if x is None else x for x in v]  # noqa: E731
    if d.test_x is not None and any(c is not None for c in h.test_costs):
        curves["test cost"] = nan(h.test_costs)
    if uniform:
        p.draw("costs.png", plots.cost_curves, curves, log_every=s.log_every, xlabel=f"{unit}s",
               title=f"{d.name}: cost every {s.log_every} {unit}s")
    elif h.counts:  # a resumed run with another --log-every: plot the points as a plain sequence
        p.draw("costs.png", plots.cost_curves, curves, log_every=1, xlabel="logged point",
               title=f"{d.name}: recorded costs ({unit}s {h.counts[0]}..{h.counts[-1]}, uneven steps)")
    if "test cost" in curves:
        p.draw(f"test_{score.name}.png", plots.cost_curves, {f"test {score.name}": nan(h.test_metrics)},
               log_every=s.log_every if uniform else 1, xlabel=f"{unit}s" if uniform else "logged point",
               ylabel=score.name + (" (%)" if score.name == "accuracy" else ""), title=f"{d.name}: test {score.name}")
    predict_fn = lambda G: dnnjax.predict(params, G, hidden=s.hidden, output=output)  # noqa: E731
    if d.task == "binary" and d.train_x.shape[0] == 2:
        p.draw("decision_boundary.png", plots.decision_boundary, predict_fn, d.train_x, d.train_y,
               title=f"{d.name}: {'-'.join(map(str, dims))} {s.hidden} network")
    X, Y, split = (d.test_x, d.test_y, "test") if d.test_x is not None else (d.train_x, d.train_y, "train")
    if d.task == "regression":
        p.draw("predicted_vs_true.png", plots.predicted_vs_true, Y, score.predict(params, X),
               title=f"{d.name}: predicted vs true")
    if d.task == "multiclass":
        pred, labels = score.predict(params, X)[0], d.labels(Y)
        p.draw("confusion.png", plots.confusion_matrix, labels, pred, classes=d.classes,
               title=f"{d.name} ({split}): {np.mean(pred == labels) * 100:.2f} % of {labels.size} correct")
        if d.name in IMAGE_SHAPES:
            wrong = np.flatnonzero(pred != labels)[:MAX_SHOWN]
            p.draw("misclassified.png", plots.image_grid, X[:, wrong], image_shape=IMAGE_SHAPES[d.name],
                   titles=[f"pred: {pred[i]} / true: {labels[i]}" for i in wrong],
                   title=f"{d.name} ({split}): {np.sum(pred != labels)} misclassified"
                         + (f", the first {MAX_SHOWN}" if np.sum(pred != labels) > MAX_SHOWN else ""))
    return p.files
