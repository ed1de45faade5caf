"""A submission pushed after the deadline (accepted late) says so in its report JSON and page."""

from __future__ import annotations

from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import World, fresh_world, reports

__all__ = ["fresh_world", "reports"]


def test_the_report_json_and_the_reviewers_page_show_a_late_push(fresh_world: World) -> None:
    ada, bob = fresh_world.submissions["ada"], fresh_world.submissions["bob"]
    with session_scope(fresh_world.settings.effective_database_url) as session:
        row = repo.get_submission(session, ada)
        assert row is not None
        row.late = True
    admin = fresh_world.auth("admin")

    late = fresh_world.client.get(f"/api/submissions/{ada}/report", headers=admin)
    in_time = fresh_world.client.get(f"/api/submissions/{bob}/report", headers=admin)

    assert late.json()["late"] is True and in_time.json()["late"] is False
    assert late.json()["overall"] == fresh_world.reports["ada"]["report"]["overall"]
    fresh_world.sign_in("reviewer")
    page = fresh_world.client.get(f"/submissions/{ada}").text
    assert 'id="late">late: pushed after the deadline</strong>' in page
    assert 'id="late"' not in fresh_world.client.get(f"/submissions/{bob}").text
