"""Property-based fuzzing of the HTTP API from its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and invalid, anonymously, as a province cadre and as an
administrator: no answer may be a server error, invalid input must be refused with a 4xx, and every 2xx body must
match its declared schema. Examples are bounded and derandomized, so that a run is reproducible and takes a few
minutes on two cores.
"""

from __future__ import annotations

from typing import Any

import httpx2
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext, negative_data_rejection, not_a_server_error, response_schema_conformance
from schemathesis.schemas import BaseSchema

from tests.support.platform import Platform

# Cà Mau: no other test of the shared platform reads or counts its rows.
CADRE = {"sub": "fuzz-tinh", "name": "Cán bộ tỉnh (fuzz)", "roles": ["province_cadre"], "unit": "96"}
ADMIN = {"sub": "fuzz-quan-tri", "name": "Quản trị (fuzz)", "roles": ["admin"], "unit": "TW"}
# Anonymous requests come "from" another address (uvicorn trusts X-Forwarded-For from loopback), so the fuzzer
# has its own intake rate-limit bucket and the other tests of the session keep theirs.
FUZZ_CLIENT = {"X-Forwarded-For": "198.51.100.7"}
FUZZ = settings(
    max_examples=20, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="session")
def api_schema(platform: Platform) -> BaseSchema:
    """The running platform's own OpenAPI description."""
    return schemathesis.openapi.from_url(f"{platform.base_url}/openapi.json")


def success_conforms(ctx: CheckContext, response: schemathesis.Response, case: Case) -> bool | None:
    """A 2xx body matches the operation's declared response (errors have their own Vietnamese shapes)."""
    if 200 <= response.status_code < 300:
        return response_schema_conformance(ctx, response, case)
    return None


def fuzz(api_schema: BaseSchema, headers: dict[str, str], skip: tuple[str, ...] = ()) -> list[str]:
    """Run every operation's generated cases (valid, then invalid); one line per operation that failed."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() in skip:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(mode))
            def run(case: Case) -> None:
                case.call_and_validate(
                    headers=headers, timeout=60, checks=[not_a_server_error, negative_data_rejection, success_conforms]
                )

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # no parameter to make invalid
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all are reported
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


def test_anonymous_requests_make_no_server_error(api_schema: BaseSchema) -> None:
    failures = fuzz(api_schema, FUZZ_CLIENT)
    assert not failures, "\n\n".join(failures)


def test_cadre_requests_make_no_server_error(api_schema: BaseSchema, platform: Platform) -> None:
    failures = fuzz(api_schema, {"Authorization": f"Bearer {platform.mint(CADRE)}"})
    assert not failures, "\n\n".join(failures)


def test_admin_requests_make_no_server_error(api_schema: BaseSchema, platform: Platform) -> None:
    # No DELETE: an administrator's generated ids could hit documents or keys that other tests rely on.
    try:
        failures = fuzz(api_schema, {"Authorization": f"Bearer {platform.mint(ADMIN)}"}, skip=("DELETE",))
    finally:  # the API keys it made would crowd the lists other tests read
        with psycopg.connect(platform.owner_uri(), autocommit=True) as conn:
            conn.execute("delete from api_keys where created_by = %s", (ADMIN["sub"],))
    assert not failures, "\n\n".join(failures)


def test_the_schema_describes_every_api_operation(platform: Platform) -> None:
    paths = httpx2.get(f"{platform.base_url}/openapi.json").json()["paths"]
    assert {
        "/api/petitions",
        "/api/members/import",
        "/api/congresses/{unit_code}",
        "/open311/v2/requests.{format}",
        "/api/chat",
        "/api/reports",
    } <= set(paths)


# -- what the fuzzer found, kept as plain regression tests --


@pytest.mark.parametrize(
    ("method", "path", "options", "field"),
    [
        (
            "POST",
            "/api/petitions",
            {"json": {"title": "Đèn\u0000 hỏng", "content": "x" * 30, "unit_code": "08611"}},
            "title",
        ),
        (
            "POST",
            "/api/petitions",
            {
                "content": b'{"title": "Den hong", "content": "\\ud83d lone surrogate here..."}',
                "headers": {"Content-Type": "application/json"},
            },
            "content",
        ),
        ("GET", "/api/units", {"params": {"q": "Ba\u0000 Đình"}}, "q"),
        ("GET", "/api/petitions/PAKN%00", {}, "code"),
        ("POST", "/phan-anh", {"data": {"title": "Rác\u0000", "csrf_token": "x"}}, "title"),
    ],
    ids=["json-nul", "json-lone-surrogate", "query-nul", "path-nul", "form-nul"],
)
def test_text_the_store_cannot_hold_is_refused_naming_the_field(
    platform: Platform, method: str, path: str, options: dict[str, Any], field: str
) -> None:
    r = httpx2.request(method, f"{platform.base_url}{path}", **options)
    assert r.status_code == 422
    assert r.json()["message"] == f"Tham số “{field}” chứa ký tự không được phép (ký tự NUL hoặc mã Unicode lẻ)."


def test_numbers_past_what_the_store_holds_are_refused(platform: Platform) -> None:
    headers = {"Authorization": f"Bearer {platform.mint(CADRE)}"}
    for path in (
        "/api/members?offset=2101896068344406628504380112896",
        "/api/petitions/public?offset=9223372036854775808",
        "/api/library/documents?offset=9223372036854775808",
        "/api/library/documents/9223372036854775808",
    ):
        assert httpx2.get(f"{platform.base_url}{path}", headers=headers).status_code == 422, path
