"""``dnnjax check PATH``: grade a learner's own course solution (``.py`` or ``.ipynb``).

Prints one ``PASS``/``FAIL`` line per course function the file defines (the diagnosis of a
failure indented below it), then the functions it does not define. Exit code 0 when every
function found passes, 1 when one fails, 2 when the file cannot be checked (missing, a syntax
error, no course function). See :func:`dnnjax.check.solution.check_solution`.
"""
from __future__ import annotations

import argparse

DESCRIPTION = """\
Check your own solution of a course assignment (week 2 logistic regression, week 3 planar data,
week 4 deep network) against dnnjax's references: forward pieces against dnnjax.course, backward
pieces against jax.grad of the course's forward definitions (with the course's 1/m).

Only the file's imports and top-level function definitions are run (a notebook's every code cell;
IPython magics and ! lines are skipped): loading data, training and plotting cells do not run. The
course's helper modules (dnn_utils, dnn_app_utils_v3, planar_utils, lr_utils, testCases*,
public_tests, ...) are served by dnnjax unless a copy sits next to the file.

Each function is checked on several consistent random inputs (caches from a real forward pass;
L = 1, 2, 3, 5 layers; equal and unequal widths; several m) with dnnjax's reference versions of
the functions it calls, so a bug is reported where it is, then once more with your own versions.
A failure says how the result is wrong: shape, transposed, sign, a constant factor
("missing 1/m"), what another activation's derivative would give, the entries where it differs
(e.g. where Z == 0), outputs swapped, not finite, modifies its input in place, missing keys, the
first wrong layer counting from the output; an exception is shown with your file and line."""

EPILOG = """\
exit status: 0 every function found passes, 1 a function fails,
             2 missing file, syntax error, or no course function in the file

examples:
  dnnjax check Building_your_Deep_Neural_Network_Step_by_Step.ipynb
  dnnjax check my_week3.py --assignment planar
  python -c "import dnnjax; print(dnnjax.course.check_solution('my_week2.py'))"
"""


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="check your own course solution (.py or .ipynb), function by function",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="PATH", help="your solution: a .py file or a .ipynb notebook")
    p.add_argument("--assignment", choices=("logistic", "planar", "deep"), default=None,
                   help="which assignment (default: detected from the function names defined): "
                        "logistic = week 2, planar = week 3, deep = week 4 (both notebooks)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random check inputs (default 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    import os
    import sys

    from dnnjax.check.solution import check_solution

    if "matplotlib" not in sys.modules:  # a plt.show() inside a checked function must not open a window
        os.environ.setdefault("MPLBACKEND", "Agg")
    report = check_solution(args.path, assignment=args.assignment, seed=args.seed)
    print(report)
    return 0 if report.ok else 1
