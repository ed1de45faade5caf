"""A report page says how every number was computed, and logs only the candidate's tests."""

from __future__ import annotations

from typing import Any

from grader.store import repo
from grader.store.db import session_scope
from grader.tripwires import CONTROL
from tests.api.pages_fixtures import World, fresh_world, reports, world

__all__ = ["fresh_world", "reports", "world"]


def report_page(world: World, name: str) -> str:
    world.client.cookies.clear()
    world.sign_in("reviewer")
    response = world.client.get(f"/submissions/{world.submissions[name]}")
    assert response.status_code == 200
    return response.text


def test_a_run_that_passed_every_test_logs_no_failure(world: World) -> None:
    report = world.reports["bob"]["report"]
    assert "1 failed, 12 passed" in report["output"]["head"]  # what the run printed
    html = report_page(world, "bob")
    log = html.split('id="output">', 1)[1].split("</pre>", 1)[0]
    assert "11 passed, 1 warning in 1.37s [grader: the report&#39;s counts]" in log
    assert "failed" not in log and CONTROL not in log and "FAILURES" not in log
    assert "The candidate's tests only: 11 passed, as in the report." in html
    assert '<h2 id="tests">Tests <span class="muted">\n  11 passed</span>' in html


def test_a_failing_runs_log_counts_what_the_report_counts(world: World) -> None:
    tests = world.reports["ada"]["report"]["tests"]
    failed = sum(t["outcome"] == "failed" for t in tests)
    passed = sum(t["outcome"] == "passed" for t in tests)
    html = report_page(world, "ada")
    assert f"{failed} failed, {passed} passed, 1 warning in" in html
    assert CONTROL not in html


def test_the_overall_formula_names_each_weight(world: World) -> None:
    html = report_page(world, "bob")
    formula = (
        "(programming 100.0 \u00d7 2 + performance 100.0 \u00d7 1 "
        "+ version_control 87.0 \u00d7 1) / 4 = 96.8"
    )
    assert formula in html
    assert "9 of 9 tests passed → 100.0" in html and "2 of 2 tests passed → 100.0" in html


def test_the_version_control_score_starts_from_its_base(world: World) -> None:
    html = report_page(world, "ada")
    table = html.split('id="vc-rules"', 1)[1].split("</table>", 1)[0]
    assert '<td>base</td><td></td><td class="num">50.0</td>' in table
    assert 'data-rule="hygiene.committed-env-file"' in table and "-10.0" in table
    assert '<td class="rule">message.subject-form</td><td class="num">2</td>' in table
    assert "<strong>57.5</strong>" in table
    # 12 findings in the chart and in the history, told apart: none says "0 with findings".
    assert "\u00d71 · 12 findings" in html
    assert "· 12 findings: 6 about the whole history, 6 on 2 commits." in html


def test_a_timeout_shows_the_limit_it_hit(fresh_world: World) -> None:
    report: dict[str, Any] = {**fresh_world.reports["ada"]["report"]}
    first = {**report["tests"][0], "outcome": "timeout", "duration_s": 0.0}
    report["tests"] = [first, *report["tests"][1:]]
    with session_scope(fresh_world.settings.effective_database_url) as session:
        found = repo.report_of(session, fresh_world.submissions["ada"])
        assert found is not None
        found.report = report
    html = report_page(fresh_world, "ada")
    # The tests' table (the review block's comment form names the tests too).
    table = html.split('<table id="tests-table">', 1)[1]
    row = table.split(f"{first['id']}", 1)[1].split("</tr>", 1)[0]
    assert "at the 30 s limit" in row and "0.0 ms" not in row


def test_a_rerun_test_shows_its_runs_and_whether_it_was_flaky(fresh_world: World) -> None:
    report: dict[str, Any] = {**fresh_world.reports["ada"]["report"]}
    rerun = {**report["tests"][0], "outcome": "passed", "runs": ["failed", "passed", "passed"]}
    rerun["flaky"] = True
    report["tests"] = [rerun, *report["tests"][1:]]
    with session_scope(fresh_world.settings.effective_database_url) as session:
        found = repo.report_of(session, fresh_world.submissions["ada"])
        assert found is not None
        found.report = report
    table = report_page(fresh_world, "ada").split('<table id="tests-table">', 1)[1]
    row = table.split(f"{rerun['id']}", 1)[1].split("</tr>", 1)[0]
    assert "<strong>flaky</strong>: runs failed, passed, passed" in row
    others = table.split("</tr>", 2)[2]
    assert "reruns" not in others.split("</table>", 1)[0]  # a test that ran once: nothing
