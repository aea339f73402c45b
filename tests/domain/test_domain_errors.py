"""A domain refusal of each kind reads the same through every door: the HTTP status and body, the assistant's tool
refusal, the CLI's message and exit; on the running platform, the same refusal through the API, the tool and the
CLI."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import httpx2
import pytest

from cli.errors import refusal as cli_refusal
from compose.services import build_services
from mattran.auth.principal import Principal
from mattran.domain.errors import Conflict, DomainError, Invalid, NotFound, Refused, SignInRequired
from mattran.domain.members import DuplicateMember, add_member
from mattran.domain.petitions import PetitionConflict, PetitionNotFound, PetitionRefused, PetitionSignInRequired
from mattran.domain.rate_limits import RateLimited
from mattran.domain.reports.service import draft_report
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from tests.support.platform import MATTRAN, MODELS_DIR, Platform, bearer, cli_env
from tests.support.principals import phu_tho_cadre, van_mieu_cadre
from tools import reports as report_tools
from tools.base import ToolContext, ToolDenied, ToolFailed, refusal
from web.problems import status_of

VAN_MIEU = "08611"
VAN_MIEU_CADRE = van_mieu_cadre("thu-loi-xa")
PHU_THO_CADRE = phu_tho_cadre("thu-loi-tinh")


@pytest.mark.parametrize(
    ("error", "status", "tool_error"),
    [
        (Refused("Không được."), 403, ToolDenied),
        (NotFound("Không thấy."), 404, ToolFailed),
        (Conflict("Đang xử lý."), 409, ToolFailed),
        (Invalid("Thiếu lý do."), 422, ToolFailed),
        (SignInRequired("Vui lòng đăng nhập."), 401, ToolDenied),
        (RateLimited(30), 429, ToolFailed),  # a refusal the assistant repeats: "try again later"
        (DomainError("Chưa nạp khóa."), 500, ToolFailed),  # no kind: the platform's own fault
        (PetitionRefused("Không được."), 403, ToolDenied),  # a petition's refusals keep their kind
        (PetitionSignInRequired("Vui lòng đăng nhập."), 401, ToolDenied),
        (PetitionNotFound("Không thấy.", "code"), 404, ToolFailed),
        (PetitionConflict("Đã đóng.", "action"), 409, ToolFailed),
    ],
)
def test_each_kind_has_one_answer_per_door(
    error: DomainError, status: int, tool_error: type[Exception], capsys: pytest.CaptureFixture[str]
) -> None:
    assert status_of(error) == status
    told = refusal(error)
    assert type(told) is tool_error and str(told) == error.message
    exit_ = cli_refusal(error)
    assert exit_.exit_code == 1 and capsys.readouterr().err.strip() == error.message


def _cli(platform: Platform, *args: str) -> tuple[int, str]:
    """The exit status and the last line on stderr (after the progress lines; wide enough not to wrap)."""
    done = subprocess.run(
        [MATTRAN, *args],
        env=cli_env(platform.data_dir, COLUMNS="1000"),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=platform.data_dir,
    )
    return done.returncode, done.stderr.rstrip().rsplit("\n", 1)[-1]


async def test_a_refusal_reads_the_same_through_the_api_the_assistant_and_the_cli(
    platform: Platform, app_db: Database
) -> None:
    async with app_db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    settings = Settings(data_dir=platform.data_dir, database_url=None, demo_data=False, models_dir=MODELS_DIR)
    services = build_services(settings, app_db, resolver)
    cases: list[tuple[Principal, str, str, dict[str, Any], type[DomainError]]] = [
        (VAN_MIEU_CADRE, "commune_cadre", VAN_MIEU, {"request": "Báo cáo tiến độ đại hội tỉnh Phú Thọ"}, Refused),
        (PHU_THO_CADRE, "province_cadre", "25", {"request": "Báo cáo tiến độ đại hội xã Không Có Thật Nào"}, Invalid),
        (
            VAN_MIEU_CADRE,
            "commune_cadre",
            VAN_MIEU,
            {"request": "Báo cáo tiến độ đại hội", "unit_code": "99999"},
            NotFound,
        ),
    ]
    for principal, role, unit, body, kind in cases:
        with pytest.raises(kind) as caught:
            await draft_report(app_db, resolver, principal, body["request"], unit_code=body.get("unit_code"))
        message = caught.value.message
        api = httpx2.post(f"{platform.base_url}/api/reports", json=body, headers=bearer(platform, role, unit))
        assert api.status_code == status_of(caught.value)
        if kind is not NotFound:  # a 404 never says more than that nothing was found
            assert api.json() == {"detail": message}
        with pytest.raises(ToolDenied if kind is Refused else ToolFailed, match=re.escape(message)):
            await report_tools.draft_report(ToolContext(principal=principal, services=services), body)
        if "unit_code" not in body:  # the CLI's report takes the unit from the request alone
            assert _cli(platform, "report", "--as", f"{role}@{unit}", body["request"]) == (1, message)

    assert _cli(platform, "apikey", "revoke", "mtk_Khong000") == (1, "Không có khóa API nào có tiền tố “mtk_Khong000”.")

    member = {"full_name": "Thử Lỗi Trùng", "gender": "nam", "birth_year": 1980}
    url, headers = f"{platform.base_url}/api/members", bearer(platform, "commune_cadre", VAN_MIEU)
    assert httpx2.post(url, json={"unit_code": VAN_MIEU, **member}, headers=headers).status_code == 201
    async with app_db.transaction(VAN_MIEU_CADRE.scope()) as conn:
        with pytest.raises(DuplicateMember) as duplicate:
            await add_member(conn, VAN_MIEU_CADRE, platform.protector(), VAN_MIEU, member)
    again = httpx2.post(url, json={"unit_code": VAN_MIEU, **member}, headers=headers)
    assert (again.status_code, again.json()) == (409, {"detail": duplicate.value.message})
    assert isinstance(refusal(duplicate.value), ToolFailed)
