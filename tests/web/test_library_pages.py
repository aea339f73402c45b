"""Library pages against the running platform: cited answers without JavaScript, documents opened at a passage,
internal documents kept from those who may not read them, uploads and deletion by administrators.

The platform is shared by many test modules: documents are only added, each with content of its own.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest

from tests.support.checks import csrf_token
from tests.support.library import ADMIN, document_id, ingest, unique_law
from tests.support.paths import INGEST_FIXTURES
from tests.support.platform import DEMO_ACCOUNTS, Platform, sign_in

FIXTURES = INGEST_FIXTURES
PAGE = {"Accept": "text/html"}
HANOI_CADRE = {"sub": "thu-vien-ha-noi", "name": "Cán bộ Hà Nội", "roles": ["province_cadre"], "unit": "01"}
NOT_ANSWERED = "Thư viện chưa có tài liệu nào trả lời câu hỏi này"
FORBIDDEN = "Tài khoản của bạn không có quyền thực hiện thao tác này."


@dataclass(frozen=True)
class Library:
    """What this module put into the shared library."""

    law_title: str
    law_id: int
    internal_title: str
    internal_text: str
    internal_id: int


@pytest.fixture(scope="module")
def library(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A public law and a document internal to Phú Thọ (25), ingested with the CLI."""
    folder = tmp_path_factory.mktemp("thu-vien")
    ingest(platform, unique_law(folder, "trang thư viện", 12), "--access", "public")
    code = uuid.uuid4().hex[:6].upper()
    title = f"Kế hoạch giám sát nội bộ KH{code}"
    text = (
        f"Ban Thường trực giám sát việc bồi thường giải phóng mặt bằng dự án đường ven sông Lô mã KH{code}, "
        "đoàn làm việc tại các xã ven sông từ ngày 5 tháng 9."
    )
    internal = folder / f"ke-hoach-{code.lower()}.md"
    internal.write_text(f"# {title}\n\n## Nội dung giám sát\n\n{text}\n", encoding="utf-8")
    ingest(platform, internal, "--access", "internal", "--unit", "25")
    law_title = "Luật Thử nghiệm trang thư viện 2024"
    return Library(law_title, document_id(platform, law_title), title, text, document_id(platform, title))


@pytest.fixture(scope="module")
def clients(platform: Platform) -> Iterator[dict[str, httpx2.Client]]:
    """Browsers without JavaScript: anonymous, every demo account signed in, and a cadre of Hà Nội (token)."""
    made = {
        "anonymous": httpx2.Client(headers=PAGE, timeout=60),
        "hanoi_cadre": httpx2.Client(
            headers={**PAGE, "Authorization": f"Bearer {platform.mint(HANOI_CADRE)}"}, timeout=60
        ),
    }
    for role, (username, password) in DEMO_ACCOUNTS.items():
        made[role] = httpx2.Client(headers=PAGE, timeout=60)
        assert sign_in(made[role], platform.base_url, username, password).status_code == 200
    yield made
    for client in made.values():
        client.close()


@pytest.fixture
def client(clients: dict[str, httpx2.Client], who: str) -> httpx2.Client:
    """The browser of ``who``, the role a test is parametrized with."""
    return clients[who]


def test_search_page_answers_with_citations_without_javascript(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client]
) -> None:
    r = clients["anonymous"].get(
        f"{platform.base_url}/thu-vien",
        params={"q": "Thời hạn thụ lý phản ánh theo luật thử nghiệm trang thư viện là bao lâu?"},
    )
    assert r.status_code == 200
    page = r.text
    cited = f'href="/thu-vien/{library.law_id}#dieu-3"'
    assert cited in page and "Xem trong văn bản" in page
    card = next(c for c in page.split('<article class="card passage-card">') if cited in c)
    assert (
        library.law_title in card
        and "Chương I. NHỮNG QUY ĐỊNH CHUNG &gt; Mục 1. TIẾP NHẬN PHẢN ÁNH &gt; Điều 3. Thời hạn thụ lý" in card
    )
    assert re.search(r"<mark>[^<]*12 ngày làm việc[^<]*</mark>", card)
    assert "văn bản gốc khi ban hành" in card  # the notice that a law may have been amended since
    assert NOT_ANSWERED not in page
    assert 'name="q"' in page and "Thời hạn thụ lý phản ánh" in page  # the question stays in the box
    assert "<script" not in page


def test_question_the_library_cannot_answer(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client]
) -> None:
    r = clients["citizen"].get(f"{platform.base_url}/thu-vien", params={"q": "Công thức nấu phở bò ngon?"})
    assert r.status_code == 200
    assert NOT_ANSWERED in r.text and 'href="/phan-anh"' in r.text
    assert "<mark>" not in r.text


def test_highlighting_escapes_the_passage(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client]
) -> None:
    r = clients["anonymous"].get(f"{platform.base_url}/thu-vien", params={"q": "<script>alert(1)</script> luật"})
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_document_page_has_the_anchors_and_contents(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client]
) -> None:
    r = clients["anonymous"].get(f"{platform.base_url}/thu-vien/{library.law_id}")
    assert r.status_code == 200
    for anchor in ("phan-mo-dau", "dieu-1", "dieu-2", "dieu-3", "dieu-4"):
        assert f'id="{anchor}"' in r.text and f'href="#{anchor}"' in r.text
    assert f"<h1>{library.law_title}</h1>" in r.text
    assert "Trong thời hạn 12 ngày làm việc" in r.text
    assert "Công khai" in r.text and "văn bản gốc khi ban hành" in r.text
    assert ".chunk:target" in r.text  # the cited passage is highlighted where the link lands
    listed = clients["anonymous"].get(f"{platform.base_url}/thu-vien").text
    assert f'href="/thu-vien/{library.law_id}"' in listed and "Văn bản pháp luật" in listed
    missing = clients["anonymous"].get(f"{platform.base_url}/thu-vien/999999999")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text


@pytest.mark.parametrize("who", ["anonymous", "citizen", "hanoi_cadre"])
def test_internal_document_is_hidden_from_those_outside_its_line(
    platform: Platform, library: Library, client: httpx2.Client
) -> None:
    listed = client.get(f"{platform.base_url}/thu-vien")
    assert listed.status_code == 200
    assert library.internal_title not in listed.text and f'href="/thu-vien/{library.internal_id}"' not in listed.text
    page = client.get(f"{platform.base_url}/thu-vien/{library.internal_id}")
    assert page.status_code == 404
    assert library.internal_title not in page.text and "Không tìm thấy" in page.text
    found = client.get(f"{platform.base_url}/thu-vien", params={"q": library.internal_text})
    assert found.status_code == 200
    answer = found.text.split('id="answer"')[1].split('id="documents-title"')[0]
    assert f'href="/thu-vien/{library.internal_id}' not in answer and "sông Lô" not in answer


@pytest.mark.parametrize("who", ["province_cadre", "commune_cadre", "admin"])
def test_internal_document_reaches_its_line(platform: Platform, library: Library, client: httpx2.Client) -> None:
    assert f'href="/thu-vien/{library.internal_id}"' in client.get(f"{platform.base_url}/thu-vien").text
    page = client.get(f"{platform.base_url}/thu-vien/{library.internal_id}")
    assert page.status_code == 200
    assert library.internal_title in page.text and "Nội bộ · Tỉnh Phú Thọ" in page.text
    found = client.get(f"{platform.base_url}/thu-vien", params={"q": library.internal_text}).text
    assert f'href="/thu-vien/{library.internal_id}#noi-dung-giam-sat' in found and "<mark>" in found


def _upload(client: httpx2.Client, platform: Platform, name: str, content: bytes, **fields: str) -> httpx2.Response:
    form = client.get(f"{platform.base_url}/thu-vien/them")
    assert form.status_code == 200
    data = {"csrf_token": csrf_token(form.text), "access": "public", "unit_code": "", "kind": "", **fields}
    return client.post(f"{platform.base_url}/thu-vien/them", data=data, files={"file": (name, content)})


def test_admin_uploads_a_document(platform: Platform, library: Library, clients: dict[str, httpx2.Client]) -> None:
    tag = uuid.uuid4().hex[:8]
    text = (
        f"# Hướng dẫn dùng thư viện {tag}\n\nThư viện số giúp người dân tra cứu luật.\n\n"
        "## Tìm văn bản\n\nGõ câu hỏi vào ô tìm kiếm, có dấu hay không dấu đều được.\n\n"
        "## Mở đoạn trích dẫn\n\nBấm “Xem trong văn bản” để mở đúng điều luật được trích dẫn.\n"
    )
    r = _upload(
        clients["admin"],
        platform,
        f"huong-dan-{tag}.md",
        text.encode(),
        access="internal",
        unit_code="25",
        kind="guide",
    )
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/thu-vien/(\d+)\?da_them=1", r.headers["location"])
    assert match
    page = clients["admin"].get(platform.base_url + r.headers["location"]).text
    assert f"Đã thêm “Hướng dẫn dùng thư viện {tag}” (3 đoạn)." in page
    assert f"Nguồn: huong-dan-{tag}.md" in page and "Hướng dẫn" in page and "Nội bộ · Tỉnh Phú Thọ" in page
    assert 'id="tim-van-ban' in page and 'id="mo-doan-trich-dan' in page
    stored = httpx2.get(
        f"{platform.base_url}/api/library/documents/{match.group(1)}",
        headers={"Authorization": f"Bearer {platform.mint(ADMIN)}"},
    ).json()
    assert re.fullmatch(rf"upload:[0-9a-f]{{12}}/huong-dan-{tag}\.md", stored["source"])
    assert stored["kind"] == "guide" and stored["unit_code"] == "25"
    assert clients["citizen"].get(f"{platform.base_url}/thu-vien/{match.group(1)}").status_code == 404


def test_corrupt_upload_is_refused_in_vietnamese_and_stores_nothing(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client]
) -> None:
    admin = clients["admin"]
    before = re.search(r'<p class="muted" id="counts">[^<]*</p>', admin.get(f"{platform.base_url}/thu-vien").text)
    tag = uuid.uuid4().hex[:8]
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\ngarbage \x00\x01 trailer"
    r = _upload(admin, platform, f"bien-ban-{tag}.pdf", corrupt)
    assert r.status_code == 422
    error = re.search(r'<p class="error" id="file-error" role="alert">([^<]*)</p>', r.text)
    assert error and f"bien-ban-{tag}.pdf" in html.unescape(error.group(1)) and "bị hỏng" in error.group(1)
    wrong_unit = _upload(admin, platform, f"ghi-chu-{tag}.txt", "Ghi chú ngắn.".encode(), unit_code="99999")
    assert wrong_unit.status_code == 422 and "Không tìm thấy đơn vị có mã “99999”." in wrong_unit.text
    after = re.search(r'<p class="muted" id="counts">[^<]*</p>', admin.get(f"{platform.base_url}/thu-vien").text)
    assert before and after and before.group(0) == after.group(0)
    for name in (f"bien ban {tag}", f"ghi chu {tag}", tag):
        assert (
            httpx2.get(
                f"{platform.base_url}/api/library/documents",
                params={"q": name},
                headers={"Authorization": f"Bearer {platform.mint(ADMIN)}"},
            ).json()
            == []
        )


def test_upload_needs_the_form_token_and_a_bounded_size(platform: Platform, clients: dict[str, httpx2.Client]) -> None:
    admin = clients["admin"]
    r = admin.post(
        f"{platform.base_url}/thu-vien/them", data={"access": "public"}, files={"file": ("a.txt", "Nội dung.".encode())}
    )
    assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.text
    for size in (20 * 1024 * 1024 + 1, 21 * 1024 * 1024):  # read past the limit; declared past it
        too_big = _upload(admin, platform, "lon.txt", b"a" * size)
        assert too_big.status_code == 413 and "Tệp quá lớn: tối đa 20 MB." in too_big.text


@pytest.mark.parametrize("who", ["citizen", "province_cadre", "central_cadre"])
def test_only_admins_manage_the_library(
    platform: Platform, library: Library, clients: dict[str, httpx2.Client], client: httpx2.Client
) -> None:
    for r in (
        client.get(f"{platform.base_url}/thu-vien/them"),
        client.post(f"{platform.base_url}/thu-vien/them", files={"file": ("a.md", b"# A\n\nB.\n")}),
        client.get(f"{platform.base_url}/thu-vien/{library.law_id}/xoa"),
        client.post(f"{platform.base_url}/thu-vien/{library.law_id}/xoa"),
    ):
        assert r.status_code == 403 and FORBIDDEN in r.text
    assert "/thu-vien/them" not in client.get(f"{platform.base_url}/thu-vien").text
    anonymous = clients["anonymous"].get(f"{platform.base_url}/thu-vien/them")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/dang-nhap")


def test_admin_deletes_a_document(platform: Platform, library: Library, clients: dict[str, httpx2.Client]) -> None:
    admin = clients["admin"]
    tag = uuid.uuid4().hex[:8]
    r = _upload(admin, platform, f"tam-{tag}.md", f"# Tài liệu tạm {tag}\n\nSẽ bị xóa ngay.\n".encode())
    assert r.status_code == 303
    created = r.headers["location"].split("?")[0]
    confirm = admin.get(f"{platform.base_url}{created}/xoa")
    assert confirm.status_code == 200 and f"Tài liệu tạm {tag}" in confirm.text
    refused = admin.post(f"{platform.base_url}{created}/xoa", data={"csrf_token": "sai"})
    assert refused.status_code == 403
    assert admin.get(f"{platform.base_url}{created}").status_code == 200
    done = admin.post(f"{platform.base_url}{created}/xoa", data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 303 and done.headers["location"] == "/thu-vien?da_xoa=1"
    assert "Đã xóa tài liệu khỏi thư viện." in admin.get(platform.base_url + done.headers["location"]).text
    assert admin.get(f"{platform.base_url}{created}").status_code == 404
    assert (
        admin.post(f"{platform.base_url}{created}/xoa", data={"csrf_token": csrf_token(confirm.text)}).status_code
        == 404
    )
