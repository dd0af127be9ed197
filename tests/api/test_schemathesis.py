"""Property-based API test: schemathesis over /openapi.json of a live server (bounded examples)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402

from tests.api.live import build_store, live_server  # noqa: E402

CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
)
#: Examples per operation: enough to hit boundaries and junk strings, small enough for ~20 s in total.
MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db: Path = build_store(tmp_path_factory.mktemp("schema"))
    with live_server(db) as url:
        yield url


def test_api_conforms_to_its_schema(live: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live}/openapi.json")
    failures: list[str] = []
    for op in schema.get_all_operations():
        operation = op.ok()

        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case: object) -> None:
            response = case.call()  # type: ignore[attr-defined]
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"  # type: ignore[attr-defined]
            body = response.json()
            if response.status_code >= 400:
                assert set(body) == {"error"}
            # Every answer's status must be one the operation declares, with the declared media type
            # and (for errors, whose schema is declared) a body that matches the schema.
            case.validate_response(response, checks=CHECKS)  # type: ignore[attr-defined]

        try:
            check()
        except (AssertionError, FailureGroup) as exc:
            failures.append(str(exc))
    assert not failures, failures
