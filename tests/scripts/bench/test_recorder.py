"""The bench's split of a grading's Docker calls, from calls recorded by thread."""

from __future__ import annotations

import threading

from scripts.bench.recorder import CallRecorder


def recorded(wait_ahead: bool) -> dict[str, float]:
    recorder = CallRecorder()
    recorder.record("reload", 0.0, 0.1)  # the pool's is-it-running check
    recorder.record("attach_socket", 0.1, 0.2)
    if wait_ahead:  # the engine's exit watch: another thread, asked as the tree is sent
        thread = threading.Thread(target=recorder.record, args=("wait", 0.21, 1.2))
        thread.start()
        thread.join()
    else:
        recorder.record("wait", 1.1, 1.2)
    recorder.record("reload", 1.2, 1.25)
    return recorder.split()


def test_a_wait_asked_after_the_stream_is_its_own_step() -> None:
    split = recorded(wait_ahead=False)
    assert round(split["run"], 6) == 0.9 and round(split["wait"], 6) == 0.1
    assert round(split["take_check"], 6) == 0.1 and round(split["reload"], 6) == 0.05


def test_a_wait_asked_ahead_ends_the_run_and_costs_nothing_after_it() -> None:
    split = recorded(wait_ahead=True)
    assert round(split["run"], 6) == 1.0 and split["wait"] == 0.0
    assert round(split["reload"], 6) == 0.05
