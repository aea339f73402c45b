"""The web app's smaller security defects of the review (issue 14, item 12), each through the running platform:
anonymous refusals flooding the audit log, cross-site cookie requests, the Open311 key in the address (and the
access log), security headers (in the real browser), the API explorer in production, and the library's term
statistics telling citizens about internal documents.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from mattran.bootstrap import StoreUrls
from mattran.settings import Settings
from tests.support.library import ingest
from tests.support.platform import DEMO_ACCOUNTS, Platform, sign_in
from web.cross_site import MESSAGE as CROSS_SITE_REFUSED

ADMIN = {"sub": "bao-mat-quan-tri", "name": "Quản trị (bảo mật)", "roles": ["admin"], "unit": "TW"}
EVIL = "http://evil.example"
TIMEOUT = 60  # seconds: a small machine shared by several test runs


def _bearer(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": "Bearer " + platform.mint(claims), "Accept": "application/json"}


def _anonymous_rows(platform: Platform, path: str) -> list[dict]:
    found = httpx2.get(
        f"{platform.base_url}/api/audit", params={"per_page": 1000}, headers=_bearer(platform, ADMIN), timeout=TIMEOUT
    )
    assert found.status_code == 200, found.text
    return [e for e in found.json() if e["actor"] is None and (e.get("detail") or {}).get("path") == path]


# --- audit flooding ---------------------------------------------------------------------------------------------


def test_a_hundred_anonymous_refusals_add_at_most_two_audit_rows(platform: Platform) -> None:
    before = _anonymous_rows(platform, "/api/members")
    for _ in range(100):
        r = httpx2.get(f"{platform.base_url}/api/members", headers={"Accept": "application/json"}, timeout=TIMEOUT)
        assert r.status_code == 401
    after = _anonymous_rows(platform, "/api/members")
    new = [e for e in after if e["id"] not in {b["id"] for b in before}]
    assert len(new) <= 2, f"{len(new)} rows for 100 refusals"  # one per minute: a minute may turn meanwhile
    counted = sum(e["count"] for e in after) - sum(e["count"] for e in before)
    assert counted == 100
    assert all(e["detail"]["address"] == "127.0.0.1" and e["outcome"] == "denied" for e in new)
    only_anonymous = httpx2.get(
        f"{platform.base_url}/api/audit",
        params={"anonymous": "true", "per_page": 1000},
        headers=_bearer(platform, ADMIN),
        timeout=TIMEOUT,
    ).json()
    assert only_anonymous and all(e["actor"] is None for e in only_anonymous)


def test_the_audit_view_filters_and_pages_on_a_phone(platform: Platform, browser: Browser) -> None:
    subject = f"bao-mat-{uuid.uuid4().hex[:8]}"
    citizen = _bearer(platform, {"sub": subject, "name": "Công dân thử", "roles": ["citizen"]})
    for _ in range(60):  # each refusal of a signed-in caller is one row of its own
        assert httpx2.get(f"{platform.base_url}/api/audit", headers=citizen, timeout=TIMEOUT).status_code == 403
    api = httpx2.get(
        f"{platform.base_url}/api/audit",
        params={"actor": subject, "per_page": 25, "page": 3},
        headers=_bearer(platform, ADMIN),
        timeout=TIMEOUT,
    ).json()
    assert len(api) == 10 and {e["actor"] for e in api} == {subject}
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(platform.base_url + "/dang-nhap?next=/quan-tri")
        page.locator("#username").fill(DEMO_ACCOUNTS["admin"][0])
        page.locator("#password").fill(DEMO_ACCOUNTS["admin"][1])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(platform.base_url + "/quan-tri")
        page.fill("#nguoi", subject)
        page.select_option("#thao_tac", "audit.read")  # "Xem nhật ký kiểm toán"
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_url(re.compile(r".*nguoi=.*"))
        assert page.locator("#audit tbody tr").count() == 50
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
        page.get_by_role("link", name="Trang sau ›").click()
        page.wait_for_url(re.compile(r".*trang=2.*"))
        assert page.locator("#audit tbody tr").count() == 10
        assert page.get_by_role("link", name="‹ Trang trước").is_visible()
        assert page.get_by_role("link", name="Trang sau ›").count() == 0
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        page.goto(f"{platform.base_url}/quan-tri?nguoi={subject}&den={yesterday}")
        assert page.get_by_text("Không có mục nào khớp với bộ lọc.").is_visible()
        page.goto(f"{platform.base_url}/quan-tri?khach=1")
        cells = page.locator("#audit tbody tr td:nth-child(2)").all_inner_texts()
        assert cells and all(c.startswith("khách") for c in cells)
    finally:
        context.close()


# --- cross-site cookie requests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cadre(platform: Platform) -> httpx2.Client:
    """A commune cadre signed in with the session cookie (multipart import of members)."""
    client = httpx2.Client(timeout=TIMEOUT)
    assert sign_in(client, platform.base_url, *DEMO_ACCOUNTS["commune_cadre"]).status_code == 200
    return client


@pytest.fixture(scope="module")
def central(platform: Platform) -> httpx2.Client:
    """A central cadre signed in with the session cookie (the body-less escalation)."""
    client = httpx2.Client(timeout=TIMEOUT)
    assert sign_in(client, platform.base_url, *DEMO_ACCOUNTS["central_cadre"]).status_code == 200
    return client


Call = Callable[[Platform, httpx2.Client, dict[str, str]], httpx2.Response]


def _import(platform: Platform, client: httpx2.Client, headers: dict[str, str]) -> httpx2.Response:
    sheet = f"Họ và tên\nThử Chéo Trang {uuid.uuid4().hex[:6]}\n".encode()
    return client.post(
        f"{platform.base_url}/api/members/import",
        files={"file": ("ds.csv", sheet, "text/csv")},
        data={"mode": "skip", "consent": "true"},
        headers={"Accept": "application/json", **headers},
    )


def _escalate(platform: Platform, client: httpx2.Client, headers: dict[str, str]) -> httpx2.Response:
    return client.post(
        f"{platform.base_url}/api/petitions/escalations", headers={"Accept": "application/json", **headers}
    )


@pytest.mark.parametrize("call", [_import, _escalate], ids=["multipart", "body-less"])
@pytest.mark.parametrize(
    "foreign",
    [{"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}],
    ids=["origin", "sec-fetch-site", "null-origin"],
)
def test_a_cross_site_cookie_request_is_refused(
    platform: Platform, cadre: httpx2.Client, central: httpx2.Client, call: Call, foreign: dict[str, str]
) -> None:
    client = cadre if call is _import else central
    refused = call(platform, client, foreign)
    assert refused.status_code == 403 and refused.json()["detail"] == CROSS_SITE_REFUSED


@pytest.mark.parametrize("call", [_import, _escalate], ids=["multipart", "body-less"])
@pytest.mark.parametrize(
    "own", [{"Origin": "SAME", "Sec-Fetch-Site": "same-origin"}, {}], ids=["same-origin", "no-browser-headers"]
)
def test_the_same_request_from_the_platform_or_a_plain_client_works(
    platform: Platform, cadre: httpx2.Client, central: httpx2.Client, call: Call, own: dict[str, str]
) -> None:
    client = cadre if call is _import else central
    headers = {k: platform.base_url if v == "SAME" else v for k, v in own.items()}
    assert call(platform, client, headers).status_code == 200


@pytest.mark.parametrize("call", [_import, _escalate], ids=["multipart", "body-less"])
def test_a_bearer_request_from_another_site_works(platform: Platform, call: Call) -> None:
    claims = (
        {"sub": "bao-mat-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "08611"}
        if call is _import
        else {"sub": "bao-mat-tw", "name": "Cán bộ TW", "roles": ["central_cadre"], "unit": "TW"}
    )
    with httpx2.Client(timeout=TIMEOUT, headers={"Authorization": "Bearer " + platform.mint(claims)}) as client:
        assert call(platform, client, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}).status_code == 200


# --- Open311 key in the address -----------------------------------------------------------------------------------


def test_an_open311_key_in_the_address_is_refused_and_kept_out_of_the_access_log(platform: Platform) -> None:
    created = platform.mattran("apikey", "create", "Khóa thử", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["api_key"]
    url = f"{platform.base_url}/open311/v2/requests.json"
    body = {
        "service_code": "moi_truong",
        "jurisdiction_id": "00004",
        "description": "Bãi rác tự phát bên đường gây ô nhiễm môi trường, đề nghị xử lý sớm.",
    }
    refused = httpx2.post(url, params={"api_key": key}, data=body, timeout=TIMEOUT)
    assert refused.status_code == 400
    assert "Không gửi api_key trong địa chỉ" in refused.json()[0]["description"]
    assert (
        httpx2.get(
            f"{platform.base_url}/open311/v2/services.json", params={"api_key": key}, timeout=TIMEOUT
        ).status_code
        == 400
    )
    assert httpx2.post(url, data=body, headers={"X-Api-Key": key}, timeout=TIMEOUT).status_code == 200
    assert httpx2.post(url, data={**body, "api_key": key}, timeout=TIMEOUT).status_code == 200
    log = (platform.data_dir / "up.log").read_text(encoding="utf-8", errors="replace")
    assert "/open311/v2/requests.json?api_key=***" in log  # the line is there, its value masked
    assert key not in log and key[:12] not in log


# --- security headers -----------------------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(platform: Platform) -> None:
    for path, headers in (
        ("/", {}),
        ("/phan-anh", {}),
        ("/api/me", _bearer(platform, ADMIN)),
        ("/api/units?q=Ba%20%C4%90%C3%ACnh", {}),
        ("/chat/", {}),
    ):
        r = httpx2.get(platform.base_url + path, headers=headers, timeout=TIMEOUT)
        assert r.status_code == 200, (path, r.status_code)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "camera=()" in r.headers["permissions-policy"]
        assert r.headers["cache-control"] == "no-store", path
    page_policy = httpx2.get(platform.base_url + "/", timeout=TIMEOUT).headers["content-security-policy"]
    assert "script-src 'self';" in page_policy and "unsafe-eval" not in page_policy
    with httpx2.Client(timeout=TIMEOUT) as client:
        sign_in(client, platform.base_url, *DEMO_ACCOUNTS["citizen"])
        assert client.get(platform.base_url + "/tra-cuu").headers["cache-control"] == "no-store"


@contextmanager
def _framing_site(target: str) -> Iterator[str]:
    """A page of another origin (a server of its own on loopback) that puts ``target`` in an iframe."""
    page = f'<!doctype html><iframe id="f" src="{target}"></iframe>'.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the standard library's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_pages_work_under_the_policy_and_no_other_site_can_frame_them(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        for path in ("/", "/phan-anh", "/tra-cuu", "/thu-vien"):
            page.goto(platform.base_url + path)
            assert page.locator("header .brand").is_visible()
        assert violations == []
        frame_page = context.new_page()
        with _framing_site(platform.base_url + "/") as framer:  # another origin on this machine
            frame_page.goto(framer)
            frame_page.wait_for_timeout(1500)
        framed = [f for f in frame_page.frames if f != frame_page.main_frame]
        assert framed and all("Mặt trận số" not in f.content() for f in framed)
    finally:
        context.close()


# --- the API explorer in production -------------------------------------------------------------------------------


def _production(**extra: object) -> Settings:
    """Production settings complete by environment alone (no key files: a fresh clone has none)."""
    key = base64.b64encode(b"k" * 32).decode()
    return Settings(
        env="production",
        secret_key="s" * 40,
        app_db_password="p" * 20,
        personal_data_key=key,
        national_id_key=key,
        oidc_issuer="https://id.example.gov.vn",
        oidc_client_secret="c" * 20,
        **extra,
    )


@pytest.mark.parametrize(
    ("settings", "served"),
    [
        (_production(), False),
        (_production(api_docs=True), True),
        (Settings(env="development", data_dir=Path(tempfile.mkdtemp())), True),
    ],
    ids=["production", "production-asked-for", "development"],
)
def test_the_api_explorer_is_off_in_production_unless_asked_for(settings: Settings, served: bool) -> None:
    """The app factory itself: a production ``mattran up`` needs an outside provider and database."""
    from web.app import create_app

    client = TestClient(create_app(settings, StoreUrls(owner="postgresql://unused", app="postgresql://unused")))
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == (200 if served else 404), path


# --- library term statistics per access class ------------------------------------------------------------------------


def _ingest(platform: Platform, folder: Path, text: str, *options: str) -> None:
    path = folder / f"tai-lieu-{uuid.uuid4().hex[:8]}.txt"
    path.write_text(text, encoding="utf-8")
    ingest(platform, path, *options)


def _law(title: str, articles: list[str]) -> str:
    body = "\n".join(f"Điều {i}. Quy định thứ {i}\n{text}" for i, text in enumerate(articles, 1))
    return f"LUẬT\n{title.upper()}\nChương I\nQUY ĐỊNH CHUNG\n{body}\n"


def test_a_citizens_search_does_not_change_when_an_internal_document_holds_a_rare_word(
    platform: Platform, tmp_path: Path
) -> None:
    rare, other = f"zorblat{uuid.uuid4().hex[:4]}", f"quixan{uuid.uuid4().hex[:4]}"
    # The rare word in one public passage, the other in two: the rare one weighs more, its passage comes first.
    _ingest(
        platform,
        tmp_path,
        _law(
            f"Luật thử thống kê {uuid.uuid4().hex[:6]}",
            [
                f"Ủy ban Mặt trận tiếp nhận ý kiến về {rare} của cử tri tại khu dân cư.",
                f"Ban công tác Mặt trận tổng hợp kiến nghị {other} gửi cơ quan có thẩm quyền.",
                f"Cán bộ theo dõi việc giải quyết {other} và trả lời công dân đúng hạn.",
            ],
        ),
        "--access",
        "public",
    )
    question = f"{rare} {other}"

    def search() -> dict:
        r = httpx2.get(f"{platform.base_url}/api/library/search", params={"q": question, "k": 5}, timeout=120)
        assert r.status_code == 200, r.text
        return {"hits": [(h["chunk_id"], h["score"]) for h in r.json()["hits"]], "relevant": r.json()["relevant"]}

    before = search()
    assert before["hits"]
    # Counted over every passage, eight internal ones would make the rare word the commoner: the order would turn.
    _ingest(
        platform,
        tmp_path,
        _law(
            f"Kế hoạch nội bộ {uuid.uuid4().hex[:6]}",
            [f"Nội dung nội bộ số {i} về {rare} trong kế hoạch giám sát." for i in range(8)],
        ),
        "--access",
        "internal",
        "--unit",
        "25",
    )
    assert search() == before
    cadre = {"sub": "bao-mat-phu-tho", "name": "Cán bộ Phú Thọ", "roles": ["province_cadre"], "unit": "25"}
    found = httpx2.get(
        f"{platform.base_url}/api/library/search",
        params={"q": question, "k": 10},
        headers=_bearer(platform, cadre),
        timeout=120,
    ).json()
    assert any("Nội dung nội bộ" in h["text"] for h in found["hits"])  # the cadre's class counts it
