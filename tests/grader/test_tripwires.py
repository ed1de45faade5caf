from grader.tripwires import CONTROL, Tripwire, scrub


def test_scrub_hides_tripwire_names_from_the_output() -> None:
    wires = [
        Tripwire("hidden/test_a.py::test_keeps_order_3", "failed"),
        Tripwire("hidden/a.test.js::handles empty input", "failed"),
    ]
    output = {
        "head": "FAILED hidden/test_a.py::test_keeps_order_3 - assert 3 == 4",
        "tail": "not ok handles empty input",
        "dropped_bytes": 0,
    }
    cleaned = scrub(output, wires)
    assert "keeps_order" not in cleaned["head"] and "handles empty input" not in cleaned["tail"]
    assert CONTROL in cleaned["head"] and cleaned["dropped_bytes"] == 0
    assert output["head"].startswith("FAILED hidden/test_a.py::test_keeps_order_3")
