"""The bench's side-by-side ratios for issue 13: autodiff vs manual, and wide vs the other libraries.

``ratio_lines(rows, sweep)`` reads the rows :func:`bench.bench_workload` measured in one run
(medians of interleaved repetitions) and prints, per workload, ``fit(method="autodiff")`` over
``fit(method="manual")`` (target <= 1.1 on planar and on the 64-model sweep), and, on the wide
workload, the fastest dnnjax row over each other implementation (target < 1: ahead of every one).
"""
from __future__ import annotations

AUTODIFF_TARGET = 1.1
AUTODIFF, MANUAL = "dnnjax fit autodiff", "dnnjax fit manual"


def _us(rows, workload, impl):
    for r in rows:
        if r["workload"] == workload and r["impl"] == impl:
            return r["us_per_iter"]
    return None


def ratio_lines(rows, sweep) -> list[str]:
    lines = ["autodiff / manual (fit's default jax.grad step over the hand-written one, same run; target <= "
             f"{AUTODIFF_TARGET} on planar and the sweep):"]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        a, m = _us(rows, workload, AUTODIFF), _us(rows, workload, MANUAL)
        if a and m:
            verdict = (" met" if a / m <= AUTODIFF_TARGET else " NOT met") if workload == "planar" else ""
            lines.append(f"  {workload:<11}{a / m:6.2f}   ({a:.2f} vs {m:.2f} us/iter){verdict}")
    if sweep is not None and "autodiff" in sweep and "manual" in sweep:
        for kind in ("one_call_s", "separate_s"):
            r = sweep["autodiff"][kind] / sweep["manual"][kind]
            name = "one call" if kind == "one_call_s" else "separate fits"
            lines.append(f"  sweep {name:<14}{r:6.2f}   {'met' if r <= AUTODIFF_TARGET else 'NOT met'}")
    wide = [r for r in rows if r["workload"] == "wide"]
    ours = [r for r in wide if r["impl"].startswith("dnnjax")]
    others = [r for r in wide if not r["impl"].startswith("dnnjax")]
    if ours and others:
        best = min(ours, key=lambda r: r["us_per_iter"])
        lines.append(f"wide: fastest dnnjax ({best['impl']}, {best['us_per_iter']:.0f} us/iter) over each other "
                     "implementation (target < 1, ahead of every one):")
        for r in sorted(others, key=lambda r: r["us_per_iter"]):
            ratio = best["us_per_iter"] / r["us_per_iter"]
            lines.append(f"  vs {r['impl']:<26}{ratio:6.2f}   {'ahead' if ratio < 1 else 'NOT ahead'}")
    return lines
