"""dnnjax.check.user_code: a user's error points at the user's line; hangs stop; in-place writes are seen."""
import importlib.util
import signal
import threading
import time

import numpy as np
import pytest

from dnnjax import DnnjaxError
from dnnjax.check.user_code import (InputWatch, UserCodeError, UserCodeTimeout, call_user, call_user_watched,
                                    register_source)

SOLUTION = '''\
import numpy as np

def backward(dA, Z):
    dZ = np.array(dA, copy=True)
    return np.dot(dZ, np.ones(7))

def relu_backward_in_place(dA, cache):
    dZ = dA
    dZ[cache[0] <= 0] = 0
    return dZ

def spins(x):
    while True:
        try:
            x = x + 1
        except Exception:
            pass

def quits():
    raise SystemExit(3)
'''


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    path = tmp_path_factory.mktemp("learner") / "my_solution.py"
    path.write_text(SOLUTION)
    spec = importlib.util.spec_from_file_location("my_solution", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_error_names_the_users_line_inside_numpy(user):
    with pytest.raises(UserCodeError) as info:
        call_user(user.backward, np.ones((3, 3)), np.ones((3, 3)))
    err = info.value
    assert isinstance(err, DnnjaxError) and isinstance(err.exception, ValueError) and err.exc_type == "ValueError"
    assert err.filename.endswith("my_solution.py") and err.lineno == 5
    assert err.source_line == "return np.dot(dZ, np.ones(7))"
    assert "backward raised ValueError: shapes" in str(err) and "my_solution.py:5 in backward" in str(err)


def test_a_bad_call_points_at_the_definition(user):
    with pytest.raises(UserCodeError, match=r"missing 1 required positional argument.*the call of backward "
                                            r"\(defined at .*my_solution.py:3\)"):
        call_user(user.backward, np.ones(3))


def test_sys_exit_is_caught(user):
    with pytest.raises(UserCodeError, match=r"quits raised SystemExit: 3 at .*my_solution.py:20"):
        call_user(user.quits)


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the time limit needs SIGALRM (Unix)")
def test_a_hung_function_is_stopped_where_it_was(user):
    handler, start = signal.getsignal(signal.SIGALRM), time.monotonic()
    with pytest.raises(UserCodeTimeout) as info:  # its `except Exception` cannot swallow the stop
        call_user(user.spins, 0, timeout=0.2)
    assert time.monotonic() - start < 5
    assert "spins did not finish within 0.2 s and was stopped at" in str(info.value)
    assert info.value.lineno in (13, 14, 15, 16, 17)
    assert signal.getsignal(signal.SIGALRM) is handler  # the previous handler is back, the timer off
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_no_timeout_off_the_main_thread_and_results_pass_through(user):
    out = {}
    thread = threading.Thread(target=lambda: out.update(r=call_user(np.add, 1, 2, timeout=0.01)))
    thread.start(), thread.join()
    assert out["r"] == 3 and call_user(lambda a, b=0: a + b, 1, b=4, timeout=5) == 5


def test_code_compiled_from_a_string_shows_its_line():
    text = "def f(x):\n    y = x + 1\n    return y / 0\n"
    register_source("<cell 3>", text)
    namespace = {}
    exec(compile(text, "<cell 3>", "exec"), namespace)
    with pytest.raises(UserCodeError) as info:
        call_user(namespace["f"], 1.0)
    assert info.value.where == "<cell 3>:3: return y / 0"


def test_in_place_modification_is_detected_and_rebinding_keys_is_not(user):
    dA, Z = np.ones((3, 4)), np.arange(12.0).reshape(3, 4) - 5
    result, modified = call_user_watched(user.relu_backward_in_place, dA, (Z, None))
    assert modified == ["modifies its input in place: dA changed at 6 of 12 entries"]
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    watch = InputWatch((params,), names=["parameters"])
    params["W1"] = params["W1"] - 0.1  # a new array under the same key: the input array is intact
    assert watch.modified() == []
    params["b1"] += 1
    assert watch.modified() == ["modifies its input in place: parameters['b1'] changed at 2 of 2 entries"]
    nan = np.array([np.nan, 1.0])
    assert InputWatch((nan,)).modified() == []  # NaN compares equal to itself here


def test_a_bad_timeout_is_refused():
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0 or None; got 0"):
        call_user(abs, 1, timeout=0)
