"""Advisory reports drafted by prompt: understanding the request, revisions, the prose writer seam, the .docx
(checked in python-docx and rendered by LibreOffice), and the doors (chat, API, pages) on a running platform,
each limited to the cadre's scope."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import pytest
from docx import Document as open_docx
from docx.shared import Mm, Pt

from mattran.auth.principal import Principal, Role
from mattran.domain.access import PermissionDenied
from mattran.domain.reports.brief import SectionBrief
from mattran.domain.reports.request import ReportError, ReportKind, parse_request
from mattran.domain.reports.revise import parse_revision
from mattran.domain.reports.service import draft_report
from mattran.domain.reports.templates import template_section
from mattran.domain.reports.writer import check_section, model_section_writer, write_section
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.store.db import Database
from tests.support.chat import say
from tests.support.checks import csrf_token
from tests.support.paths import ROOT
from tests.support.platform import Platform, bearer
from tests.support.principals import phu_tho_cadre, van_mieu_cadre

ARTIFACTS = ROOT / "artifacts"
TODAY = date(2026, 11, 23)
VAN_MIEU, VIET_TRI = "08611", "07900"
PHU_THO_CADRE = phu_tho_cadre("thu-bao-cao-tinh")
VAN_MIEU_CADRE = van_mieu_cadre("thu-bao-cao-xa")


@pytest.mark.parametrize(
    ("text", "kind", "period", "unit_text", "recipient"),
    [
        (
            "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị của tỉnh Phú Thọ quý III/2026",
            ReportKind.PETITIONS,
            ("2026-07-01", "2026-09-30", "quý III/2026"),
            "tỉnh Phú Thọ",
            None,
        ),
        (
            "soan bao cao tinh hinh tiep nhan giai quyet phan anh kien nghi cua tinh phu tho quy 3/2026",
            ReportKind.PETITIONS,
            ("2026-07-01", "2026-09-30", "quý III/2026"),
            "tinh phu tho",
            None,
        ),
        (
            "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân xã Văn Miếu gửi kỳ họp HĐND tỉnh",
            ReportKind.VOTER_OPINIONS,
            ("2026-01-01", "2026-11-23", "từ ngày 01/01/2026 đến ngày 23/11/2026"),
            "xã Văn Miếu",
            "kỳ họp HĐND tỉnh",
        ),
        ("báo cáo tiến độ đại hội tỉnh Phú Thọ", ReportKind.CONGRESS, None, "tỉnh Phú Thọ", None),
        (
            "Báo cáo tình hình đoàn viên, hội viên của phường Việt Trì",
            ReportKind.MEMBERS,
            None,
            "phường Việt Trì",
            None,
        ),
        (
            "Lập báo cáo phản ánh kiến nghị 6 tháng đầu năm",
            ReportKind.PETITIONS,
            ("2026-01-01", "2026-06-30", "6 tháng đầu năm 2026"),
            None,
            None,
        ),
        (
            "Soạn báo cáo phản ánh kiến nghị tháng 9/2026 của phường Việt Trì",
            ReportKind.PETITIONS,
            ("2026-09-01", "2026-09-30", "tháng 9/2026"),
            "phường Việt Trì",
            None,
        ),
        (
            "báo cáo phản ánh của Hà Nội từ ngày 1/7/2026 đến ngày 30/9/2026",
            ReportKind.PETITIONS,
            ("2026-07-01", "2026-09-30", "từ ngày 01/07/2026 đến ngày 30/09/2026"),
            "Hà Nội",
            None,
        ),
        (
            "bao cao ket qua giai quyet don thu nam 2025",
            ReportKind.PETITIONS,
            ("2025-01-01", "2025-12-31", "năm 2025"),
            None,
            None,
        ),
        (
            "Báo cáo phản ánh kiến nghị toàn quốc quý trước",
            ReportKind.PETITIONS,
            ("2026-07-01", "2026-09-30", "quý III/2026"),
            "Trung ương",
            None,
        ),
        (
            "tong hop y kien cu tri gui ky hop thu 10 quoc hoi nam 2026",
            ReportKind.VOTER_OPINIONS,
            ("2026-01-01", "2026-12-31", "năm 2026"),
            None,
            "kỳ họp thứ 10 Quốc hội",  # canonical Vietnamese, never the prompt's unaccented words
        ),
    ],
)
def test_a_request_is_understood_with_or_without_diacritics(
    text: str, kind: ReportKind, period: tuple[str, str, str] | None, unit_text: str | None, recipient: str | None
) -> None:
    request = parse_request(text, TODAY)
    assert (request.kind, request.unit_text, request.recipient) == (kind, unit_text, recipient)
    if period:
        assert (request.period.start.isoformat(), request.period.end.isoformat(), request.period.label) == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Soạn giúp tôi một bài thơ", "Chưa rõ cần soạn báo cáo gì"),
        ("Báo cáo phản ánh từ ngày 31/02/2026 đến ngày 1/3/2026", "không tồn tại"),
        ("Báo cáo phản ánh từ ngày 1/9/2026 đến ngày 1/3/2026", "phải trước ngày kết thúc"),
        ("Báo cáo phản ánh tháng 13/2026", "không hợp lệ"),
    ],
)
def test_requests_that_cannot_be_understood_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_request(text, TODAY)


def test_revision_prompts() -> None:
    both = parse_revision("bỏ phần 3, thêm phần kiến nghị; rút gọn phần II", TODAY)
    assert (both.remove, both.add, both.shorten) == ([3], ["kien_nghi"], [2])
    assert parse_revision("rut gon", TODAY).shorten == [0]
    period = parse_revision("đổi kỳ báo cáo sang quý II/2026", TODAY)
    assert period.regather and period.period and period.period.label == "quý II/2026"
    assert parse_revision("thêm nơi nhận: Sở Tư pháp", TODAY).recipients == ["Sở Tư pháp"]
    assert parse_revision("đổi trích yếu thành “Báo cáo nhanh”", TODAY).summary == "Báo cáo nhanh"
    with pytest.raises(ReportError, match="Tôi hiểu các yêu cầu sửa"):
        parse_revision("làm cho hay hơn", TODAY)


@pytest.fixture(scope="module")
async def resolver(app_db: Database):
    async with app_db.transaction(Scope.public()) as conn:
        return await load_resolver(conn)


async def _brief(draft: Any, key: str) -> SectionBrief:
    """The brief the writer's :func:`write_section` hands a section writer for ``key`` of ``draft``."""
    briefs: list[SectionBrief] = []

    async def capture(brief: SectionBrief) -> str:
        briefs.append(brief)
        return await template_section(brief)

    await write_section(key, draft.document.data, capture)
    return briefs[0]


async def test_a_model_writes_prose_but_never_the_numbers(app_db: Database, resolver: Any) -> None:
    text = "Báo cáo tiến độ đại hội tỉnh Phú Thọ"
    template = await draft_report(app_db, resolver, PHU_THO_CADRE, text)
    prompts: list[str] = []

    async def careful(system: str, prompt: str) -> str:
        prompts.append(prompt)
        return "Đã có {{congress.held}} đơn vị tổ chức đại hội, đạt {{congress.held_share}}.\n- Cố gắng hơn nữa."

    async def inventive(system: str, prompt: str) -> str:
        return "Đã có 9.999 đơn vị tổ chức đại hội, đạt {{congress.held_share}}."

    modelled = await draft_report(app_db, resolver, PHU_THO_CADRE, text, writer=model_section_writer(careful))
    assert [f.model_dump() for f in modelled.figures] == [f.model_dump() for f in template.figures]
    held = next(f for f in template.figures if f.key == "congress.held")
    assert f"Đã có {held.text} đơn vị tổ chức đại hội" in modelled.markdown and "{{" not in modelled.markdown
    assert "{{congress.held}}" in prompts[0]  # the model is given keys, and values only to read
    invented = await draft_report(app_db, resolver, PHU_THO_CADRE, text, writer=model_section_writer(inventive))
    assert "9.999" not in invented.markdown
    assert invented.document.sections == template.document.sections  # the template wrote every section
    brief = await _brief(template, "tinh_hinh")
    assert check_section(await template_section(brief), brief)
    assert not check_section("Có {{congress.unknown}} đơn vị.", brief) and not check_section("Có 12 đơn vị.", brief)


async def test_the_domain_refuses_a_unit_outside_the_scope(app_db: Database, resolver: Any) -> None:
    with pytest.raises(PermissionDenied):
        await draft_report(app_db, resolver, VAN_MIEU_CADRE, "Báo cáo tiến độ đại hội tỉnh Phú Thọ")
    with pytest.raises(PermissionDenied):
        await draft_report(app_db, resolver, VAN_MIEU_CADRE, "Báo cáo phản ánh kiến nghị", unit_code=VIET_TRI)
    citizen = Principal(subject="thu-dan", name="Dân", roles=frozenset({Role.CITIZEN}))
    with pytest.raises(PermissionDenied):
        await draft_report(app_db, resolver, citizen, "Báo cáo tiến độ đại hội")
    with pytest.raises(ReportError, match="Không tìm thấy đơn vị"):
        await draft_report(app_db, resolver, PHU_THO_CADRE, "Báo cáo tiến độ đại hội xã Không Có Thật Nào")


def _claims(role: str, unit: str | None) -> dict[str, object]:
    return {"sub": f"thu-{role}-{unit}", "name": f"Thử {role}", "roles": [role], "unit": unit}


def test_a_cadre_drafts_a_report_in_the_chat_and_downloads_it(platform: Platform) -> None:
    answer = say(
        platform,
        _claims("commune_cadre", VAN_MIEU),
        "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị quý III/2026",
    )
    assert answer["intent"] == "draft_report" and answer["tool_calls"][0]["name"] == "draft_report"
    reply = answer["reply"]
    assert "## BÁO CÁO" in reply and "Tình hình tiếp nhận, giải quyết phản ánh, kiến nghị quý III/2026" in reply
    assert "**XÃ VĂN MIẾU**" in reply and "Phụ lục: nguồn số liệu" in reply
    link = re.search(r"\[Tải tệp \.docx\]\((/api/reports/\d+/versions/1\.docx)\)", reply)
    assert link, reply[:500]
    headers = bearer(platform, "commune_cadre", VAN_MIEU)
    download = httpx2.get(platform.base_url + link[1], headers=headers)
    assert download.status_code == 200 and download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    text = "\n".join(p.text for p in open_docx(io.BytesIO(download.content)).paragraphs)
    assert "BÁO CÁO" in text and "Tình hình tiếp nhận, giải quyết phản ánh, kiến nghị quý III/2026" in text
    other = httpx2.get(platform.base_url + link[1], headers=bearer(platform, "commune_cadre", VIET_TRI))
    assert other.status_code == 404  # another commune's cadre cannot see it (row-level security)
    above = httpx2.get(platform.base_url + link[1], headers=bearer(platform, "province_cadre", "25"))
    assert above.status_code == 200  # the province sees its communes' drafts


@pytest.mark.parametrize(
    ("role", "unit", "message"),
    [
        (
            "commune_cadre",
            VAN_MIEU,
            "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị của tỉnh Phú Thọ quý III/2026",
        ),
        ("commune_cadre", VAN_MIEU, "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân phường Việt Trì"),
        ("province_cadre", "25", "Báo cáo tiến độ đại hội thành phố Hà Nội"),
        ("citizen", None, "Báo cáo tiến độ đại hội tỉnh Phú Thọ"),
    ],
)
def test_a_report_outside_the_scope_is_refused_everywhere(
    platform: Platform, role: str, unit: str | None, message: str
) -> None:
    before = httpx2.get(f"{platform.base_url}/api/reports", headers=bearer(platform, "central_cadre", "TW")).json()
    answer = say(platform, _claims(role, unit), message)
    assert "## BÁO CÁO" not in answer["reply"] and answer["confirmation"] is None
    if role == "citizen":  # a citizen is never routed to a cadre's tool
        assert all(call["name"] != "draft_report" for call in answer["tool_calls"])
    else:
        assert "không được dùng chức năng này" in answer["reply"]
    api = httpx2.post(
        f"{platform.base_url}/api/reports", json={"request": message}, headers=bearer(platform, role, unit)
    )
    assert api.status_code == 403
    after = httpx2.get(f"{platform.base_url}/api/reports", headers=bearer(platform, "central_cadre", "TW")).json()
    assert len(after) == len(before)  # nothing saved
    anonymous = httpx2.post(
        f"{platform.base_url}/api/reports", json={"request": message}, headers={"Accept": "application/json"}
    )
    assert anonymous.status_code == 401


def test_the_api_drafts_revises_and_every_figure_has_its_query(platform: Platform) -> None:
    headers = bearer(platform, "province_cadre", "25")
    made = httpx2.post(
        f"{platform.base_url}/api/reports",
        json={"request": "Báo cáo tiến độ đại hội tỉnh Phú Thọ"},
        headers=headers,
        timeout=60,
    )
    assert made.status_code == 200, made.text
    draft = made.json()
    assert (draft["kind"], draft["unit_code"], draft["version"], "document" in draft) == ("congress", "25", 1, False)
    figures = {f["key"]: f for f in draft["figures"]}
    progress = httpx2.get(
        f"{platform.base_url}/api/congresses/progress", params={"unit": "25"}, headers=headers
    ).json()["summary"]
    assert (figures["congress.units"]["value"], figures["congress.held"]["value"]) == (
        progress["total"],
        progress["held"],
    )
    assert all(f["query"]["counted"] and f["query"]["units"] and f["query"]["dates"] for f in draft["figures"])
    appendix = draft["markdown"].split("Phụ lục: nguồn số liệu")[1]
    assert all(f"| {f['label']} | {f['text']} |" in appendix for f in draft["figures"])
    revised = httpx2.post(
        f"{platform.base_url}/api/reports/{draft['report_id']}/revisions",
        json={"prompt": "thêm phần kiến nghị, bỏ phần 3"},
        headers=headers,
    ).json()
    assert revised["version"] == 2 and [v["version"] for v in revised["versions"]] == [2, 1]
    assert "KIẾN NGHỊ, ĐỀ XUẤT" in revised["markdown"] and "ĐƠN VỊ CHẬM TIẾN ĐỘ" not in revised["markdown"]
    assert revised["figures"] == draft["figures"]
    first = httpx2.get(
        f"{platform.base_url}/api/reports/{draft['report_id']}", params={"version": 1}, headers=headers
    ).json()
    assert first["markdown"] == draft["markdown"]
    bad = httpx2.post(
        f"{platform.base_url}/api/reports/{draft['report_id']}/revisions", json={"prompt": "bỏ phần 9"}, headers=headers
    )
    assert bad.status_code == 422 and "không có phần 9" in bad.json()["detail"]


def test_the_pages_draft_and_revise_by_prompt_with_csrf(platform: Platform) -> None:
    headers = {**bearer(platform, "commune_cadre", VAN_MIEU), "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, timeout=60) as client:
        page = client.get("/can-bo/bao-cao")
        assert page.status_code == 200 and 'name="request"' in page.text
        token = csrf_token(page.text)
        request = {"request": "Báo cáo tình hình đoàn viên, hội viên xã Văn Miếu"}
        assert client.post("/can-bo/bao-cao", data=request).status_code == 403  # no token
        refused = client.post(
            "/can-bo/bao-cao", data={"request": "Báo cáo tiến độ đại hội tỉnh Phú Thọ", "csrf_token": token}
        )
        assert refused.status_code == 403 and "không có quyền" in refused.text
        made = client.post("/can-bo/bao-cao", data={**request, "csrf_token": token})
        assert made.status_code == 303
        shown = client.get(made.headers["location"])
        assert "Nền tảng chưa quản lý số đoàn viên, hội viên" in shown.text  # the gap is said, not filled
        assert 'id="figures"' in shown.text and "SỐ LƯỢNG, CƠ CẤU ỦY VIÊN" in shown.text
        path = made.headers["location"].split("?")[0]
        short = client.post(path, data={"prompt": "rút gọn phần 2", "csrf_token": token})
        assert short.status_code == 303 and short.headers["location"].endswith("v=2")
        wrong = client.post(path, data={"prompt": "viết hay hơn", "csrf_token": token})
        assert wrong.status_code == 422 and "Tôi hiểu các yêu cầu sửa" in wrong.text
        latest = client.get(path)
        assert latest.text.count('.docx">.docx</a>') == 2 and 'id="version">2<' in latest.text
        listing = client.get("/can-bo/bao-cao")
        assert path in listing.text


def _run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, timeout=180)


def test_the_docx_follows_decree_30_and_renders_in_libreoffice(platform: Platform, tmp_path: Path) -> None:
    headers = bearer(platform, "province_cadre", "25")
    draft = httpx2.post(
        f"{platform.base_url}/api/reports",
        json={"request": "Báo cáo tiến độ đại hội tỉnh Phú Thọ"},
        headers=headers,
        timeout=60,
    ).json()
    data = httpx2.get(platform.base_url + draft["docx_url"], headers=headers).content
    document = open_docx(io.BytesIO(data))
    section = document.sections[0]
    assert (abs(section.page_width - Mm(210)) < Mm(1), abs(section.page_height - Mm(297)) < Mm(1)) == (True, True)
    margins = [
        round(m / Mm(1)) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert 20 <= margins[0] <= 25 and 20 <= margins[1] <= 25 and 30 <= margins[2] <= 35 and 15 <= margins[3] <= 20
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size == Pt(14)
    body = [r for p in document.paragraphs for r in p.runs if r.text.strip()]
    assert body and all((r.font.name or normal.name) == "Times New Roman" for r in body)
    assert all(Pt(13) <= (r.font.size or normal.size) <= Pt(14) for r in body)  # the body, outside the tables
    header_cells = [c.text for c in document.tables[0]._cells]
    assert any("ỦY BAN MTTQ VIỆT NAM\nTỈNH PHÚ THỌ" in c for c in header_cells)
    motto = next(
        r
        for c in document.tables[0]._cells
        for p in c.paragraphs
        for r in p.runs
        if r.text == "Độc lập - Tự do - Hạnh phúc"
    )
    assert motto.underline and motto.bold

    assert shutil.which("soffice") and shutil.which("pdftotext"), "scripts/setup test installs LibreOffice, poppler"
    (tmp_path / "bao-cao.docx").write_bytes(data)
    _run(
        "soffice",
        f"-env:UserInstallation=file://{tmp_path}/lo",
        "--headless",
        "--convert-to",
        "pdf",
        "bao-cao.docx",
        cwd=tmp_path,
    )
    _run("pdftotext", "-layout", "bao-cao.pdf", "bao-cao.txt", cwd=tmp_path)
    text = re.sub(r"[ \t]+", " ", (tmp_path / "bao-cao.txt").read_text(encoding="utf-8"))
    for expected in (
        "ỦY BAN MTTQ VIỆT NAM",
        "TỈNH PHÚ THỌ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: .../BC-MTTQ-BTT",
        "Phú Thọ, ngày ... tháng",
        "BÁO CÁO",
        "Nơi nhận:",
        "TM. BAN THƯỜNG TRỰC",
        "CHỦ TỊCH",
        "NGUỒN SỐ LIỆU",
    ):
        assert expected in text, expected
    first_page = text.split("\f")[0]
    assert first_page.index("CỘNG HÒA") < first_page.index("BÁO CÁO")
    _run("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "bao-cao.pdf", "page", cwd=tmp_path)
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-docx-page1.png").write_bytes(png)
