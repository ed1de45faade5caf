"""The built-in stages behave as documented."""

import copy

from pipeline import build_pipeline

EVENTS = [
    {"id": 1, "level": "error", "msg": "disk full", "host": "a"},
    {"id": 2, "level": "info", "msg": "started", "host": "b"},
    {"id": 1, "level": "error", "msg": "disk full again", "host": "a"},
    {"id": 3, "level": "warning", "msg": "slow", "host": "c"},
    {"level": "error", "msg": "no id", "host": "d"},
    {"id": 4, "msg": "no level", "host": "e"},
]


def run(config, records=EVENTS):
    return list(build_pipeline(config).run(iter(copy.deepcopy(records))))


def test_filter_keeps_equal_values():
    assert [r["msg"] for r in run([{"stage": "filter", "field": "level", "equals": "error"}])] == \
        ["disk full", "disk full again", "no id"]
    assert run([{"stage": "filter", "field": "id", "equals": 3}]) == [EVENTS[3]]
    assert run([{"stage": "filter", "field": "level", "equals": None}]) == []


def test_rename_and_select():
    out = run([{"stage": "rename", "fields": {"msg": "message", "missing": "x"}},
               {"stage": "select", "fields": ["message", "id"]}])
    assert out[0] == {"message": "disk full", "id": 1}
    assert list(out[0]) == ["message", "id"]
    assert out[4] == {"message": "no id"}
    assert len(out) == len(EVENTS)


def test_dedupe_keeps_first_occurrence():
    out = run([{"stage": "dedupe", "key": "id"}])
    assert [r.get("id") for r in out] == [1, 2, 3, None, 4]
    assert out[0]["msg"] == "disk full"
    records = [{"k": [1, 2]}, {"k": [1, 2]}, {"k": {"a": 1}}]
    assert run([{"stage": "dedupe", "key": "k"}], records) == [{"k": [1, 2]}, {"k": {"a": 1}}]


def test_limit():
    assert run([{"stage": "limit", "n": 2}]) == EVENTS[:2]
    assert run([{"stage": "limit", "n": 0}]) == []
    assert run([{"stage": "limit", "n": 100}]) == EVENTS


def test_empty_pipeline_passes_records_through():
    assert run([]) == EVENTS


def test_stages_do_not_modify_their_input():
    records = copy.deepcopy(EVENTS)
    config = [{"stage": "rename", "fields": {"msg": "message"}},
              {"stage": "select", "fields": ["id", "message"]}, {"stage": "dedupe", "key": "id"}]
    out = list(build_pipeline(config).run(records))
    assert records == EVENTS
    assert out[0] == {"id": 1, "message": "disk full"}
