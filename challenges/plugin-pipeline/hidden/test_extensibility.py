"""New stages plug in from outside: the core is never edited."""

import ast
import inspect
import textwrap

import pytest

import pipeline
import pipeline.core
from pipeline import (ConfigError, DuplicateStage, PluginWarning, StageRegistry, UnknownStage,
                      build_pipeline, default_registry, load_plugins, register_stage)

BUILTINS = {"filter", "rename", "select", "dedupe", "limit"}


def test_decorated_function_stage_in_the_default_registry():
    @register_stage("hidden_upper")
    def upper(field):
        def run(records):
            for record in records:
                yield {**record, field: record[field].upper()}
        return run

    try:
        assert "hidden_upper" in default_registry.names()
        result = build_pipeline([{"stage": "filter", "field": "level", "equals": "error"},
                                 {"stage": "hidden_upper", "field": "msg"}]).run(
            [{"level": "error", "msg": "disk full"}, {"level": "info", "msg": "ok"}])
        assert list(result) == [{"level": "error", "msg": "DISK FULL"}]
    finally:
        default_registry.unregister("hidden_upper")
    assert "hidden_upper" not in default_registry.names()
    with pytest.raises(UnknownStage):
        build_pipeline([{"stage": "hidden_upper", "field": "msg"}])


def test_class_stage_registered_directly_in_a_fresh_registry():
    class Enumerate:
        def __init__(self, field="n", start=0):
            self.field, self.start = field, start

        def __call__(self, records):
            for i, record in enumerate(records, self.start):
                yield {**record, self.field: i}

    registry = StageRegistry()
    assert registry.names() == []
    assert registry.register("enumerate", Enumerate) is Enumerate
    stream = build_pipeline([{"stage": "enumerate", "start": 1}], registry=registry).run(
        [{"a": 1}, {"a": 2}])
    assert list(stream) == [{"a": 1, "n": 1}, {"a": 2, "n": 2}]
    # the default registry is untouched
    assert "enumerate" not in default_registry.names()
    with pytest.raises(UnknownStage):
        build_pipeline([{"stage": "limit", "n": 1}], registry=registry)


def test_builtins_use_the_same_public_registry():
    assert BUILTINS <= set(default_registry.names())
    stage = default_registry.create("limit", n=1)
    assert list(stage([{"a": 1}, {"a": 2}])) == [{"a": 1}]


def test_duplicate_names_are_refused_unless_replaced():
    registry = StageRegistry()
    registry.register("noop", lambda: (lambda records: records))
    with pytest.raises(DuplicateStage):
        registry.register("noop", lambda: (lambda records: []))
    with pytest.raises(DuplicateStage):
        register_stage("limit")(lambda n: (lambda records: records))
    registry.register("noop", lambda: (lambda records: []), replace=True)
    assert list(build_pipeline([{"stage": "noop"}], registry=registry).run([{"a": 1}])) == []
    assert list(build_pipeline([{"stage": "limit", "n": 5}]).run([{"a": 1}])) == [{"a": 1}]


def test_configuration_errors_name_the_stage():
    with pytest.raises(UnknownStage) as unknown:
        build_pipeline([{"stage": "limit", "n": 1}, {"stage": "no-such-stage"}])
    message = str(unknown.value)
    assert "no-such-stage" in message and all(name in message for name in BUILTINS)
    for config in ([{"stage": "limit", "n": 2}, {"stage": "filter", "field": "x"}],
                   [{"stage": "limit", "n": 2}, {"stage": "limit", "n": 2, "bogus": True}],
                   [{"stage": "limit", "n": 2}, {"stage": "limit", "n": -1}],
                   [{"stage": "limit", "n": 2}, {"n": 3}]):
        with pytest.raises(ConfigError, match="#1"):
            build_pipeline(config)


def test_pipelines_stream(source):
    stream = build_pipeline([{"stage": "filter", "field": "level", "equals": "error"},
                             {"stage": "rename", "fields": {"msg": "message"}},
                             {"stage": "select", "fields": ["id", "message"]},
                             {"stage": "dedupe", "key": "id"},
                             {"stage": "limit", "n": 5}]).run(source)
    assert source.pulled == 0, "nothing may be read before the output is consumed"
    first = next(iter(stream))
    assert first == {"id": 0, "message": "event 0"}
    rest = list(stream)
    assert [r["id"] for r in rest] == [3, 6, 9, 12]
    assert source.pulled <= 14, f"read {source.pulled} input records to produce 5"


def _write_plugin(root):
    (root / "acme_stages.py").write_text(textwrap.dedent('''
        def shout(field):
            def run(records):
                for record in records:
                    yield {**record, field: str(record[field]).upper() + "!"}
            return run

        class Tag:
            def __init__(self, tag):
                self.tag = tag

            def __call__(self, records):
                for record in records:
                    yield {**record, "tag": self.tag}
    '''))
    info = root / "acme_stages-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-stages\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[pipeline.stages]\n"
        "shout = acme_stages:shout\n"
        "tag = acme_stages:Tag\n"
        "broken = acme_no_such_module:stage\n"
        "\n[some.other.group]\n"
        "unrelated = acme_stages:shout\n")


def test_plugins_are_discovered_through_entry_points(tmp_path, monkeypatch):
    _write_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = StageRegistry()
    with pytest.warns(PluginWarning, match="broken"):
        loaded = load_plugins(registry=registry)
    assert sorted(loaded) == ["shout", "tag"]
    assert registry.names() == ["shout", "tag"]
    stream = build_pipeline([{"stage": "shout", "field": "msg"}, {"stage": "tag", "tag": "acme"}],
                            registry=registry).run([{"msg": "hi"}])
    assert list(stream) == [{"msg": "HI!", "tag": "acme"}]
    with pytest.raises(ConfigError, match="#0"):
        build_pipeline([{"stage": "shout"}], registry=registry)


def test_the_core_knows_no_particular_stage():
    tree = ast.parse(inspect.getsource(pipeline.core))
    strings = {node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not (strings & BUILTINS), (
        f"pipeline/core.py mentions the stages {sorted(strings & BUILTINS)}: stages must be "
        "registered, not dispatched by name in the core")
    assert "filter" in default_registry.names()
