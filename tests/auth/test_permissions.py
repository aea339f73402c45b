"""Permission matrix through the API: every role × operation × own / below / sibling / parent unit."""

from __future__ import annotations

import itertools
from typing import Any

import httpx2
import psycopg
import pytest

from tests.support.checks import present
from tests.support.platform import DEMO_ACCOUNTS, Platform, sign_in

# Each role's own unit and the units around it (Phú Thọ = 25; Xã Văn Miếu = 08611; Phường Việt Trì = 07900).
ROLES: dict[str, dict[str, Any] | None] = {
    "anonymous": None,
    "citizen": {"roles": ["citizen"], "unit": None},
    "commune_cadre": {"roles": ["commune_cadre"], "unit": "08611"},
    "province_cadre": {"roles": ["province_cadre"], "unit": "25"},
    "central_cadre": {"roles": ["central_cadre"], "unit": "TW"},
    "admin": {"roles": ["admin"], "unit": "TW"},
}
RELATIVES = {  # role -> relation -> unit
    "commune_cadre": {"own": "08611", "sibling": "07900", "parent": "25"},
    "province_cadre": {"own": "25", "below": "08611", "sibling": "01", "parent": "TW"},
    "central_cadre": {"own": "TW", "below": "08611"},
}
OTHERS = {"commune": "08611", "province": "25", "other province": "01", "central": "TW"}
CADRES = {"commune_cadre", "province_cadre", "central_cadre"}
OPERATIONS = ["member.read", "member.write", "cadre.pages", "audit.read"]


def _targets(role: str) -> dict[str, str]:
    return RELATIVES.get(role, OTHERS)


def _expected(role: str, operation: str, relation: str) -> bool:
    if operation == "audit.read":
        return role == "admin"
    return role in CADRES and relation in ("own", "below")


def _call(platform: Platform, role: str, operation: str, unit: str) -> httpx2.Response:
    claims = ROLES[role]
    headers = {"Accept": "application/json"}
    if claims is not None:
        headers["Authorization"] = "Bearer " + platform.mint({"sub": f"test-{role}", "name": role, **claims})
    base = platform.base_url
    if operation == "member.read":
        return httpx2.get(f"{base}/api/members", params={"unit": unit}, headers=headers)
    if operation == "member.write":
        return httpx2.post(
            f"{base}/api/members", headers=headers, json={"unit_code": unit, "full_name": f"Thử quyền {role} {unit}"}
        )
    if operation == "cadre.pages":
        return httpx2.get(f"{base}/can-bo", params={"unit": unit}, headers=headers)
    return httpx2.get(f"{base}/api/audit", headers=headers)


CASES = [(role, op, relation) for role, op in itertools.product(ROLES, OPERATIONS) for relation in _targets(role)]


@pytest.mark.parametrize(("role", "operation", "relation"), CASES)
def test_permission_matrix(platform: Platform, role: str, operation: str, relation: str) -> None:
    unit = _targets(role)[relation]
    response = _call(platform, role, operation, unit)
    if _expected(role, operation, relation):
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.text


@pytest.fixture(scope="module")
def seeded(platform: Platform) -> None:
    with psycopg.connect(platform.owner_uri()) as conn:
        for unit, name in (
            ("08611", "Thành viên Văn Miếu"),
            ("07900", "Thành viên Việt Trì"),
            ("00004", "Thành viên Ba Đình"),
        ):
            conn.execute("insert into members (unit_code, full_name) values (%s, %s)", (unit, name))


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("commune_cadre", {"Thành viên Văn Miếu"}),
        ("province_cadre", {"Thành viên Văn Miếu", "Thành viên Việt Trì"}),
        ("central_cadre", {"Thành viên Văn Miếu", "Thành viên Việt Trì", "Thành viên Ba Đình"}),
    ],
)
def test_listing_without_a_unit_shows_exactly_the_scope(
    platform: Platform, seeded: None, role: str, visible: set[str]
) -> None:
    token = platform.mint({"sub": f"test-{role}", **present(ROLES[role])})
    names = {
        m["full_name"]
        for m in httpx2.get(f"{platform.base_url}/api/members", headers={"Authorization": f"Bearer {token}"}).json()
    }
    assert {n for n in names if n.startswith("Thành viên ")} == visible


def test_a_cadre_role_with_a_unit_of_the_wrong_level_is_not_trusted(platform: Platform) -> None:
    token = platform.mint({"sub": "x", "roles": ["province_cadre"], "unit": "08611"})  # a commune, not a province
    me = httpx2.get(f"{platform.base_url}/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["roles"] == ["citizen"]
    assert (
        httpx2.get(f"{platform.base_url}/api/members", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    )


def test_denials_are_in_the_audit_log(platform: Platform) -> None:
    token = platform.mint({"sub": "kiem-toan", "roles": ["commune_cadre"], "unit": "08611"})
    httpx2.get(f"{platform.base_url}/api/members", params={"unit": "01"}, headers={"Authorization": f"Bearer {token}"})
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute(
            "select roles, unit_code, action, target, outcome from audit_log"
            " where actor = 'kiem-toan' order by id desc limit 1"
        ).fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from audit_log")
    assert row == (["commune_cadre"], "08611", "member.read", "01", "denied")


@pytest.mark.parametrize("role", list(DEMO_ACCOUNTS))
def test_each_demo_account_signs_in_with_its_role_and_unit(platform: Platform, role: str) -> None:
    username, password = DEMO_ACCOUNTS[role]
    with httpx2.Client(timeout=20) as client:
        landed = sign_in(client, platform.base_url, username, password)
        assert landed.status_code == 200 and str(landed.url) == f"{platform.base_url}/"
        me = client.get(f"{platform.base_url}/api/me").json()
    assert me["authenticated"] and me["subject"] == username and me["roles"] == [role]
    assert me["unit"] == present(ROLES[role])["unit"]


def test_a_wrong_password_is_refused_in_vietnamese(platform: Platform) -> None:
    with httpx2.Client(timeout=20) as client:
        page = sign_in(client, platform.base_url, "canbo.xa", "sai-mat-khau")
        assert page.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng" in page.text
        assert client.get(f"{platform.base_url}/api/me").json()["authenticated"] is False
