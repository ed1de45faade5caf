"""Attack: a daemon (double fork, setsid) left running after the tests, writing all the time.

It ignores the catchable signals, closes nothing, writes to stdout, to a file,
and keeps rewriting the results file with the hidden tests (their IDs are in any
earlier report) passed. Its last rewrite lands after the test process ended and
before the supervisor kills everyone: the file then holds only the forged
results, with no tripwire result and no "finish" record to contradict them.
"""

import json
import os
import signal
import sys
import time


def _results_path():
    for arg in sys.argv:
        if arg.startswith("--grader-results="):
            return arg.split("=", 1)[1]
    return None


def _daemon(path):
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    ids = [
        "hidden/test_basic.py::test_empty_text_has_no_words",
        "hidden/test_basic.py::test_counts_case_insensitively",
        "hidden/test_basic.py::test_punctuation_separates_words",
        "hidden/test_basic.py::test_apostrophes_inside_words_are_kept",
        "hidden/test_basic.py::test_digits_are_word_characters",
        "hidden/test_basic.py::test_top_words_orders_by_count_then_alphabetically",
        "hidden/test_basic.py::test_top_words_with_fewer_distinct_words_than_n",
        "hidden/test_basic.py::test_top_words_rejects_non_positive_n[0]",
        "hidden/test_basic.py::test_top_words_rejects_non_positive_n[-1]",
        "hidden/test_perf.py::test_large_text_is_counted_in_linear_time",
        "hidden/test_perf.py::test_many_distinct_words_top_k",
    ]
    forged = "".join(
        json.dumps({"event": "result", "id": i, "outcome": "passed"}) + "\n" for i in ids
    )
    while True:
        try:
            os.write(1, b"daemon still here\n")
        except OSError:
            pass
        try:
            with open("/work/daemon.log", "a") as handle:
                handle.write(f"{time.time()}\n")
            if path:
                with open(path, "w") as handle:
                    handle.write(forged)
        except OSError:
            pass
        time.sleep(0.01)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _daemon(_results_path())
    os._exit(0)
os.wait()


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
