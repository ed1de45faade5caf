"""The reviewer pages: signing in, the dashboard, a report, the comparison."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from api.deps import SESSION_COOKIE
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports, world

__all__ = ["fresh_world", "reports", "world"]


def signed_in(world: World) -> World:
    world.client.cookies.clear()
    world.sign_in("reviewer")
    return world


# -- signing in ----------------------------------------------------------------------------
def test_the_login_page_is_a_form(world: World) -> None:
    world.client.cookies.clear()
    page = world.client.get("/login")
    assert page.status_code == 200
    assert '<form method="post" action="/login">' in page.text
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/submissions/x",
        "/submissions/x/similar/y",
        f"/challenges/{CHALLENGE}/compare",
        "/operations",
    ],
)
def test_a_page_without_a_session_goes_to_the_login_page(world: World, path: str) -> None:
    world.client.cookies.clear()
    response = world.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2F")


def test_the_pages_json_without_a_session_is_401(world: World) -> None:
    world.client.cookies.clear()
    assert world.client.get("/dashboard.json").status_code == 401


def test_signing_in_sets_a_signed_http_only_cookie(world: World) -> None:
    world.client.cookies.clear()
    response = world.client.post(
        "/login",
        data={"token": world.tokens["reviewer"], "next": "/submissions/abc"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/submissions/abc"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert world.tokens["reviewer"] not in cookie


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", "x"])
def test_signing_in_never_redirects_off_the_site(world: World, target: str) -> None:
    world.client.cookies.clear()
    response = world.client.post(
        "/login", data={"token": world.tokens["admin"], "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(("token", "status"), [("grd_nope", 401), ("", 401)])
def test_a_bad_token_cannot_sign_in(world: World, token: str, status: int) -> None:
    world.client.cookies.clear()
    response = world.client.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == status
    assert "set-cookie" not in response.headers
    assert "not valid" in response.text


def test_a_candidate_token_is_refused_with_a_reason(world: World) -> None:
    world.client.cookies.clear()
    response = world.client.post("/login", data={"token": world.tokens["other"]})
    assert response.status_code == 403
    assert "Candidate tokens cannot sign in" in response.text


def test_a_forged_cookie_is_not_a_session(world: World) -> None:
    signed_in(world)
    value = world.client.cookies[SESSION_COOKIE]
    world.client.cookies.set(SESSION_COOKIE, value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"))
    assert world.client.get("/", follow_redirects=False).status_code == 303


def test_a_revoked_token_ends_its_sessions(fresh_world: World) -> None:
    fresh_world.sign_in("reviewer")
    assert fresh_world.client.get("/").status_code == 200
    with session_scope(fresh_world.settings.effective_database_url) as session:
        token = repo.token_for_secret(session, fresh_world.tokens["reviewer"])
        assert token is not None
        token.revoked = True
    assert fresh_world.client.get("/", follow_redirects=False).status_code == 303


def test_the_key_is_generated_once_into_the_data_folder(world: World) -> None:
    signed_in(world)
    key = Path(world.settings.data_dir) / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) >= 40


def test_a_configured_key_replaces_the_generated_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(world)
    assert world.client.get("/").status_code == 200
    monkeypatch.setattr(world.settings, "secret_key", "another-key-" + "x" * 40)
    assert world.client.get("/", follow_redirects=False).status_code == 303
    world.sign_in("reviewer")
    assert world.client.get("/").status_code == 200


def test_signing_out_clears_the_cookie(world: World) -> None:
    signed_in(world)
    response = world.client.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert world.client.get("/", follow_redirects=False).status_code == 303


# -- dashboard -----------------------------------------------------------------------------
def names_in_order(html: str) -> list[str]:
    return re.findall(r'<a href="/submissions/[^"]+">([^<]+)</a>', html)


def test_the_dashboard_lists_each_candidates_latest_submission(world: World) -> None:
    page = signed_in(world).client.get("/")
    assert page.status_code == 200
    assert "Word frequency" in page.text
    assert set(names_in_order(page.text)) == {
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
        "dee@example.com",
    }
    ada = world.reports["ada"]["report"]
    assert f"{ada['overall']:.1f}" in page.text
    assert f"{ada['skills']['programming']['score']:.1f}" in page.text
    assert 'data-field="status">queued<' in page.text


def test_the_dashboard_sorts_by_a_column(world: World) -> None:
    signed_in(world)
    by_overall = names_in_order(world.client.get("/?sort=overall&order=desc").text)
    assert by_overall == ["bob@example.com", "ada@example.com", "cy@example.com", "dee@example.com"]
    by_skill = names_in_order(world.client.get("/?sort=skill:programming&order=asc").text)
    assert by_skill[:3] == ["cy@example.com", "ada@example.com", "bob@example.com"]
    by_name = names_in_order(world.client.get("/?sort=candidate&order=asc").text)
    assert by_name == sorted(by_name)


def test_a_bad_sort_order_is_a_4xx_not_a_500(world: World) -> None:
    response = signed_in(world).client.get("/?order=sideways")
    assert response.status_code == 422


def test_the_dashboard_json_has_every_shown_status(world: World) -> None:
    data = signed_in(world).client.get("/dashboard.json").json()
    assert set(data["latest"]) == set(world.submissions.values())
    ada = data["submissions"][world.submissions["ada"]]
    assert ada["status"] == "graded" and ada["skills"]["performance"] == 100.0
    assert data["submissions"][world.submissions["dee"]]["status"] == "queued"


def test_the_dashboard_script_runs_under_its_nonce(world: World) -> None:
    page = signed_in(world).client.get("/")
    nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_the_pages_csv_is_the_apis_csv(world: World) -> None:
    signed_in(world)
    page_csv = world.client.get(f"/challenges/{CHALLENGE}/results.csv")
    api_csv = world.client.get(
        f"/api/challenges/{CHALLENGE}/results.csv", headers=world.auth("reviewer")
    )
    assert page_csv.status_code == 200
    assert page_csv.text == api_csv.text


# -- a report ------------------------------------------------------------------------------
def test_a_report_shows_chart_tests_timeline_and_log(world: World) -> None:
    page = signed_in(world).client.get(f"/submissions/{world.submissions['ada']}")
    assert page.status_code == 200
    html = page.text
    assert '<svg class="chart" id="skill-chart"' in html
    assert html.count('<g class="bar"') == 3
    report = world.reports["ada"]["report"]
    assert html.count('<tr class="test"') == len(report["tests"])
    assert "AssertionError" in html
    findings = report["skills"]["version_control"]["findings"]
    with_findings = {f["commit"] for f in findings if f["commit"]}
    for sha in with_findings:
        assert f'data-commit="{sha}"' in html
    for commit in report["history"]["commits"]:  # those without findings are shown too
        assert f'data-commit="{commit["sha"]}"' in html
    on_commits = [f for f in findings if f["commit"]]
    counted = (
        f"· {len(findings)} findings: {len(findings) - len(on_commits)} about the whole history, "
        f"{len(on_commits)} on {len(with_findings)} commits."
    )
    assert counted in html  # the same count as the chart's "N findings", told apart
    assert f"\u00d71 · {len(findings)} findings" in html  # the chart: weight, then findings
    assert "&#34;wip&#34;" in html or "&quot;wip&quot;" in html or ">wip<" in html
    assert "hygiene.committed-env-file" in html
    assert "FAILURES" in html  # the test run's output
    assert "sandbox" in html and "Timings" in html


def test_a_queued_submission_shows_its_status_and_reloads(world: World) -> None:
    page = signed_in(world).client.get(f"/submissions/{world.submissions['dee']}")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert "reloads by itself" in page.text


def test_an_unknown_submission_is_a_404_page(world: World) -> None:
    page = signed_in(world).client.get("/submissions/does-not-exist")
    assert page.status_code == 404
    assert "no such submission" in page.text.lower()


def test_what_a_candidate_wrote_is_escaped(fresh_world: World) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    report: dict[str, Any] = {**fresh_world.reports["ada"]["report"]}
    report["tests"] = [
        {**t, "message": attack, "outcome": "failed"} for t in report["tests"][:1]
    ] + report["tests"][1:]
    report["output"] = {"head": attack + "\x1b[31mred\x1b[0m", "tail": "", "dropped_bytes": 0}
    vc = report["skills"]["version_control"]
    report["skills"] = {
        **report["skills"],
        "version_control": {
            **vc,
            "findings": [{**f, "message": f"{f['message']} {attack}"} for f in vc["findings"]],
        },
    }
    with session_scope(fresh_world.settings.effective_database_url) as session:
        found = repo.report_of(session, fresh_world.submissions["ada"])
        assert found is not None
        found.report = report
    fresh_world.sign_in()
    html = fresh_world.client.get(f"/submissions/{fresh_world.submissions['ada']}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html
    assert "\x1b[31m" not in html and "red" in html


# -- comparison ----------------------------------------------------------------------------
def test_the_comparison_puts_submissions_side_by_side(world: World) -> None:
    ids = f"{world.submissions['ada']},{world.submissions['bob']}"
    page = signed_in(world).client.get(f"/challenges/{CHALLENGE}/compare?ids={ids}")
    assert page.status_code == 200
    assert 'id="compare-chart"' in page.text
    assert "ada@example.com" in page.text and "bob@example.com" in page.text
    assert page.text.count('class="differs"') == 2  # ada failed two tests bob passed


def test_the_comparison_takes_repeated_ids_too(world: World) -> None:
    query = f"ids={world.submissions['ada']}&ids={world.submissions['cy']}"
    page = signed_in(world).client.get(f"/challenges/{CHALLENGE}/compare?{query}")
    assert page.status_code == 200 and "cy@example.com" in page.text


@pytest.mark.parametrize(
    ("ticked", "says"),
    [
        (0, "Tick 2 to 4 submissions to compare them: none was ticked."),
        (1, "Tick 2 to 4 submissions to compare them: only one was ticked."),
        (5, "At most 4 submissions can be compared at once: 5 were ticked."),
    ],
)
def test_too_few_or_too_many_ticked_says_so_on_the_compare_page(
    world: World, ticked: int, says: str
) -> None:
    """Not an error page: the message, and the candidates to tick again."""
    ids = [world.submissions[n] for n in ("ada", "bob", "cy", "dee")] + ["fifth"]
    query = "&".join(f"ids={i}" for i in ids[:ticked])
    page = signed_in(world).client.get(f"/challenges/{CHALLENGE}/compare?{query}")
    assert page.status_code == 200
    assert 'id="compare-problem"' in page.text and says in page.text
    assert 'id="compare-choices"' in page.text
    assert page.text.count('type="checkbox" name="ids"') == 4  # every candidate who submitted
    assert 'id="compare-table"' not in page.text


def test_an_unknown_submission_in_a_comparison_says_so(world: World) -> None:
    page = signed_in(world).client.get(
        f"/challenges/{CHALLENGE}/compare?ids=nope&ids={world.submissions['ada']}"
    )
    assert page.status_code == 200
    assert "There is no submission &#39;nope&#39; for this challenge." in page.text


def test_comparing_in_an_unknown_challenge_is_a_404_page(world: World) -> None:
    page = signed_in(world).client.get("/challenges/nope/compare?ids=a")
    assert page.status_code == 404


# -- a real grading ------------------------------------------------------------------------
@pytest.mark.docker
def test_a_real_grading_renders(
    fresh_world: World, prepared_word_frequency: Any, docker_services: Any, tmp_path: Path
) -> None:
    from grader.fetch import FetchPolicy
    from grader.pipeline import grade
    from tests.api.pages_fixtures import MESSY_HISTORY
    from tests.conftest import WORD_FREQUENCY, make_repo

    _builder, sandbox = docker_services
    work = make_repo(tmp_path / "repo", MESSY_HISTORY, base=WORD_FREQUENCY / "starter")
    grading = grade(
        prepared_word_frequency,
        str(work),
        None,
        settings=fresh_world.settings,
        sandbox=sandbox,
        policy=FetchPolicy(allow_local=True),
    )
    report = grading.report.to_dict()
    with session_scope(fresh_world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        assert challenge is not None
        row = repo.create_submission(session, challenge=challenge, repo=str(work), ref=None)
        repo.claim(session, row.id, "test", 600)
        repo.finish(
            session,
            row.id,
            status=report["status"],
            overall=report["overall"],
            report=report,
            artifacts=None,
            commit=report["submission"]["commit"],
            dedupe_key=None,
        )
    fresh_world.sign_in()
    html = fresh_world.client.get(f"/submissions/{row.id}").text
    assert html.count('<tr class="test"') == len(report["tests"]) > 0
    assert 'id="timeline"' in html and "message.wip" in html
