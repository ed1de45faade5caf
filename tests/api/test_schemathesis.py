"""Property-based fuzzing of the served OpenAPI schema: no input gets a 500.

Schemathesis reads /openapi.json from the app in process (ASGI) and sends
generated requests to every documented operation with an admin token, so that
they get past authentication and reach the handlers; bad input must be a 4xx.
Each operation is its own test. (Schemathesis' own pytest integration,
``from_fixture``, does not run under pytest 9 yet, so Hypothesis drives each
operation's strategy here directly.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from api.main import create_app
from grader.config import get_settings
from tests.api.pages_fixtures import CHALLENGE, World, reports, world

__all__ = ["reports", "world"]

EXAMPLES = 30  # per operation; each one is a real request into the app


def operation_labels() -> list[str]:
    """Every documented operation, as "METHOD /path" (reading the schema needs no database)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(get_settings()))
    labels = [result.ok().label for result in schema.get_all_operations()]  # type: ignore[union-attr]
    # /readyz and /metrics take no input, and a 503 is what they say when Redis or the
    # workers are away (tests/api/test_health.py checks them).
    return sorted(label for label in labels if label not in ("GET /readyz", "GET /metrics"))


def point_at_real_things(case: Any, world: World) -> None:
    params = case.path_parameters or {}
    if "submission_id" in params:
        params["submission_id"] = world.submissions["ada"]
    if "challenge_id" in params:
        params["challenge_id"] = CHALLENGE
    if "invitation_id" in params:  # the candidate's: fuzzing may revoke it, only admins call
        params["invitation_id"] = world.own_repo.rsplit("/", 1)[-1].removesuffix(".git")
    if isinstance(case.body, dict) and "challenge" in case.body:
        case.body["challenge"] = CHALLENGE


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", world.app)


def test_the_schema_documents_the_exports(api_schema: Any) -> None:
    paths = api_schema.raw_schema["paths"]
    assert "/api/challenges/{challenge_id}/results.csv" in paths
    assert "/api/challenges/{challenge_id}/results.json" in paths
    assert "/api/webhook-deliveries" in paths
    assert not any(path.startswith(("/login", "/submissions", "/dashboard")) for path in paths)


@pytest.mark.parametrize("label", operation_labels())
def test_no_input_is_a_server_error(api_schema: Any, world: World, label: str) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = world.auth("admin")

    @given(case=operation.as_strategy(), real=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    def fuzz(case: Any, real: bool) -> None:
        if real:  # half the cases name things that exist, to reach past the 404s
            point_at_real_things(case, world)
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    fuzz()
