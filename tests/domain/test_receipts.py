"""Receipts, idempotency namespaces and rate limits through the running platform (issue 14, items 9–11).

Each test calls "from" addresses of its own (uvicorn trusts X-Forwarded-For from loopback), so that the limits it
uses up are its own.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

import httpx2
import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.domain import receipts
from mattran.store.migrate import migration_files
from tests.support.checks import found, present
from tests.support.forms import post_form
from tests.support.platform import Platform, cli_env, free_port, serving

CITIZEN = {"sub": "bien-nhan-dan", "name": "Công dân", "roles": ["citizen"], "unit": None}
NEIGHBOUR = {"sub": "bien-nhan-dan-2", "name": "Công dân khác", "roles": ["citizen"], "unit": None}
COMMUNE = {"sub": "bien-nhan-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "00004"}  # Ba Đình
PETITION = {
    "title": "Cống thoát nước bị tắc",
    "content": "Cống thoát nước đầu ngõ 7 bị tắc, mưa là nước tràn vào nhà.",
    "unit_code": "00004",
}
CHAT_PETITION = "Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, phường Ba Đình, Hà Nội bị vỡ, nước tràn ra đường."
RECEIPT = re.compile(r"PAKN-\d{4}-\d{6}-[0-9A-Z]{6}")


def _from(address: str, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, **headers}


def _auth(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _file(platform: Platform, headers: dict[str, str], **fields: object) -> httpx2.Response:
    return httpx2.post(f"{platform.base_url}/api/petitions", json={**PETITION, **fields}, headers=headers, timeout=30)


def _status(platform: Platform, code: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.get(f"{platform.base_url}/api/petitions/{quote(code)}", headers=headers or {}, timeout=30)


def _chat(base_url: str, message: str, headers: dict[str, str], conversation: str | None = None) -> dict:
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    r = httpx2.post(f"{base_url}/api/chat", json=body, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_receipt_has_a_secret_and_the_number_alone_opens_nothing(platform: Platform) -> None:
    filed = _file(platform, _from("198.51.100.1")).json()
    receipt = receipts.parse(filed["tracking_code"])
    assert receipt and receipt.secret and filed["tracking_code"] == str(receipt)
    assert RECEIPT.fullmatch(filed["tracking_code"]) and filed["tracking_code"] in filed["message"]
    opened = _status(platform, filed["tracking_code"])
    assert opened.status_code == 200 and opened.json()["tracking_code"] == filed["tracking_code"]
    number = _status(platform, receipt.public_code)
    assert number.status_code == 404 and "6 ký tự cuối" in number.json()["detail"]
    wrong = "".join("0" if c != "0" else "1" for c in receipt.secret)
    assert _status(platform, f"{receipt.public_code}-{wrong}").status_code == 404
    after = receipts.public_code(receipt.number + 1, receipt.year)
    _file(platform, _from("198.51.100.1"))  # the next number exists: still nothing to read without its secret
    assert _status(platform, after).status_code == 404
    page = httpx2.get(f"{platform.base_url}/tra-cuu", params={"ma": after})
    assert "Cần mã tra cứu đầy đủ" in page.text and 'id="status"' not in page.text
    similar = httpx2.get(f"{platform.base_url}/api/petitions/{after}/similar", headers=_from("198.51.100.2"))
    assert similar.status_code == 200 and similar.json() == []
    guest = _chat(platform.base_url, f"Phản ánh {after} của tôi đến đâu rồi?", _from("198.51.100.3"))
    assert "Đã tiếp nhận" not in guest["reply"] and "6 ký tự cuối" in guest["reply"]


def test_a_published_petition_opens_by_its_number_and_a_seeded_one_by_nothing_else(platform: Platform) -> None:
    with psycopg.connect(platform.owner_uri()) as conn:  # rows written without a receipt get one nobody knows
        for number, status in ((910001, "published"), (910002, "received")):
            conn.execute(
                "insert into petitions (id, tracking_code, unit_code, unit_path, title, content,"
                " content_public, category, suggested_category, status, channel, due_at, published_at)"
                " values (%s, %s, '00004', 'vn.01.00004', 'Vỉa hè hỏng', 'Vỉa hè phố Đội Cấn hỏng',"
                " 'Vỉa hè phố Đội Cấn hỏng', 'ha_tang', 'ha_tang', %s, 'web', now(), now())",
                (number, f"PAKN-2026-{number}", status),
            )
    published = _status(platform, "PAKN-2026-910001")
    assert published.status_code == 200 and published.json()["tracking_code"] == "PAKN-2026-910001"
    assert _status(platform, "PAKN-2026-910002").status_code == 404


def test_every_way_of_writing_the_receipt_opens_it_at_every_door(platform: Platform) -> None:
    code = _file(platform, _from("198.51.100.10")).json()["tracking_code"]
    receipt = receipts.parse(code)
    assert receipt and receipt.secret
    digits = f"{receipt.year}{receipt.number:06d}"
    forms = [
        code,
        code.lower(),
        f"pakn {receipt.year} {receipt.number:06d} {receipt.secret.lower()}",
        f"PAKN{digits}{receipt.secret}",
        code.replace("-", "–"),
        code.replace("-", "—"),
        f"mã của tôi là {code}, cảm ơn",
    ]
    for form in forms:
        api = _status(platform, form)
        assert api.status_code == 200 and api.json()["tracking_code"] == code, form
        page = httpx2.get(f"{platform.base_url}/tra-cuu", params={"ma": form})
        assert page.status_code == 200 and 'id="status">Đã tiếp nhận' in page.text, form
    for form in forms[1:5]:
        said = _chat(platform.base_url, f"Tra cứu giúp tôi phản ánh {form}", _from("198.51.100.11"))
        assert said["intent"] == "get_petition_status" and "Đã tiếp nhận" in said["reply"], form


def test_signed_in_petitioners_and_cadres_in_scope_use_the_number(platform: Platform) -> None:
    code = _file(platform, _auth(platform, CITIZEN)).json()["tracking_code"]
    number = present(receipts.parse(code)).public_code
    assert _status(platform, number, _auth(platform, CITIZEN)).status_code == 200
    assert _status(platform, number, _auth(platform, COMMUNE)).status_code == 200
    assert _status(platform, number, _auth(platform, NEIGHBOUR)).status_code == 404
    mine = httpx2.get(
        f"{platform.base_url}/api/petitions", params={"mine": "true"}, headers=_auth(platform, CITIZEN)
    ).json()
    assert number in {p["tracking_code"] for p in mine}
    detail = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, COMMUNE))
    assert detail.status_code == 200 and detail.json()["petition"]["tracking_code"] == number


def test_the_chat_files_with_a_receipt(platform: Platform) -> None:
    headers = _from("198.51.100.20")
    asked = _chat(platform.base_url, CHAT_PETITION, headers)
    assert asked["confirmation"]
    done = _chat(platform.base_url, "có", headers, asked["conversation_id"])
    code = RECEIPT.search(done["reply"])
    assert code, done["reply"]
    assert _status(platform, code.group(0)).status_code == 200


def test_open311_ids_are_receipts_and_only_published_requests_are_listed(platform: Platform) -> None:
    done = platform.mattran("apikey", "create", "Biên nhận Open311", "--json")
    assert done.returncode == 0, done.stderr
    key = found(r'"api_key":\s*"([^"]+)"', done.stdout)
    created = httpx2.post(
        f"{platform.base_url}/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "ha_tang",
            "jurisdiction_id": "00004",
            "description": "Đèn đường ngõ 9 phố Đội Cấn hỏng đã hai tuần, buổi tối rất nguy hiểm.",
        },
    ).json()
    code = created[0]["service_request_id"]
    receipt = receipts.parse(code)
    assert RECEIPT.fullmatch(code) and receipt and code in created[0]["service_notice"]
    one = httpx2.get(f"{platform.base_url}/open311/v2/requests/{code}.json")
    assert one.status_code == 200 and one.json()[0]["service_request_id"] == code and one.json()[0]["status"] == "open"
    assert httpx2.get(f"{platform.base_url}/open311/v2/requests/{receipt.public_code}.json").status_code == 404
    listed = httpx2.get(f"{platform.base_url}/open311/v2/requests.json").json()
    assert listed == [r for r in listed if "-" not in r["service_request_id"][16:]]  # numbers only, no secret
    ids = {r["service_request_id"] for r in listed}
    assert receipt.public_code not in ids and code not in ids
    assert (
        httpx2.get(f"{platform.base_url}/open311/v2/requests.json", params={"service_request_id": code}).json() == []
    )  # not published: not listed
    with psycopg.connect(platform.owner_uri()) as conn:
        statuses = {
            s
            for (s,) in conn.execute("select status from petitions where tracking_code = any(%s)", (list(ids) or [""],))
        }
    assert statuses <= {"published"}


def test_idempotency_keys_are_the_callers_own(platform: Platform) -> None:
    key = str(uuid.uuid4())
    first = _file(platform, _from("198.51.100.30", **{"Idempotency-Key": key}))
    again = _file(platform, _from("198.51.100.30", **{"Idempotency-Key": key}))  # no cookies, same body
    assert (
        first.status_code == again.status_code == 201 and first.json()["tracking_code"] == again.json()["tracking_code"]
    )
    other_body = {"title": "Đèn đường hỏng", "content": "Đèn đường đầu ngõ 7 hỏng đã hai tuần, buổi tối rất tối."}
    stranger = _file(platform, _from("198.51.100.31", **{"Idempotency-Key": key}), **other_body)
    citizen = _file(
        platform, {**_auth(platform, CITIZEN), "X-Forwarded-For": "198.51.100.30", "Idempotency-Key": key}, **other_body
    )
    assert stranger.status_code == citizen.status_code == 201
    codes = {first.json()["tracking_code"], stranger.json()["tracking_code"], citizen.json()["tracking_code"]}
    assert len(codes) == 3  # each caller's own petition, none sees another's receipt
    for code in codes:
        assert _status(platform, code).status_code == 200
    conflict = _file(platform, _from("198.51.100.30", **{"Idempotency-Key": key}), **other_body)
    assert conflict.status_code == 422 and "đã được dùng cho một phản ánh có nội dung khác" in conflict.json()["detail"]
    with psycopg.connect(platform.owner_uri()) as conn:
        stored = conn.execute("select count(*) from petitions where title = %s", (PETITION["title"],)).fetchone()
        keys = conn.execute(
            "select count(*) from petitions where idempotency_digest is not null and"
            " (idempotency_digest = %s or request_digest = %s)",
            (key, key),
        ).fetchone()
    assert stored and stored[0] >= 1 and keys == (0,)  # neither the key nor the body is stored in clear


@pytest.fixture
def second_process(platform: Platform, tmp_path: Path) -> Iterator[str]:
    """Another ``mattran up`` on the same store (as behind a load balancer)."""
    port = free_port()
    env = cli_env(
        tmp_path,
        MATTRAN_DATABASE_URL=platform.owner_uri(),
        MATTRAN_IDP_PORT=str(free_port()),
        MATTRAN_DEMO_DATA="false",
    )
    with serving(port, env, tmp_path, tmp_path / "up.log"):
        yield f"http://127.0.0.1:{port}"


def test_the_anonymous_limit_counts_every_door_across_processes(platform: Platform, second_process: str) -> None:
    here = _from("198.51.100.40")
    for base in (platform.base_url, second_process):  # 15 + 15: the limit of 30 a minute, over two processes
        for _ in range(15):
            r = httpx2.post(f"{base}/api/petitions", json=PETITION, headers=here, timeout=30)
            assert r.status_code == 201, r.text
    asked = _chat(platform.base_url, CHAT_PETITION, here)
    refused = _chat(platform.base_url, "có", here, asked["conversation_id"])
    assert "Bạn gửi quá nhiều yêu cầu" in refused["reply"] and not RECEIPT.search(refused["reply"])
    with httpx2.Client(base_url=second_process, timeout=30) as client:
        fields = {"title": PETITION["title"], "content": PETITION["content"], "unit_text": "Phường Ba Đình, Hà Nội"}
        form = post_form(client, "/phan-anh", fields, here)
    assert form.status_code == 429 and "Bạn gửi quá nhiều yêu cầu" in form.text
    assert 1 <= int(form.headers["Retry-After"]) <= 60
    elsewhere = httpx2.post(f"{second_process}/api/petitions", json=PETITION, headers=_from("198.51.100.41"))
    assert elsewhere.status_code == 201


def test_the_assistant_and_similar_petitions_are_limited(platform: Platform) -> None:
    guest = _from("198.51.100.50")
    said = [
        httpx2.post(f"{platform.base_url}/api/chat", json={"message": "Xin chào"}, headers=guest, timeout=60)
        for _ in range(31)
    ]
    assert [r.status_code for r in said[:30]] == [200] * 30 and said[30].status_code == 429
    assert "Bạn gửi quá nhiều yêu cầu" in said[30].json()["detail"] and int(said[30].headers["Retry-After"]) >= 1
    signed_in = httpx2.post(
        f"{platform.base_url}/api/chat",
        json={"message": "Xin chào"},
        headers={**guest, **_auth(platform, NEIGHBOUR)},
        timeout=60,
    )
    assert signed_in.status_code == 200  # an account has its own allowance
    url = f"{platform.base_url}/api/petitions/PAKN-2026-000001/similar"
    looked = [httpx2.get(url, headers=_from("198.51.100.51")).status_code for _ in range(31)]
    assert looked == [200] * 30 + [429]


def test_failed_sign_ins_are_limited_per_address(platform: Platform) -> None:
    forged = f"{platform.base_url}/auth/callback"
    here = _from("198.51.100.60")
    tries = [httpx2.get(forged, params={"state": f"faux-{n}", "code": "x"}, headers=here) for n in range(11)]
    assert [t.status_code for t in tries[:10]] == [403] * 10  # forged: no sign-in was started in this browser
    assert tries[10].status_code == 429 and "đăng nhập không thành công" in tries[10].text
    assert int(tries[10].headers["Retry-After"]) >= 1
    assert httpx2.get(forged, params={"state": "faux", "code": "x"}, headers=_from("198.51.100.61")).status_code == 403


def test_the_migration_gives_every_existing_petition_a_secret(urls: StoreUrls) -> None:
    name = f"nang_cap_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(urls.owner, dbname=name), autocommit=True) as conn:
            for version, body in migration_files():
                if version < "0014":  # the store of the previous release, with a petition filed then
                    conn.execute(body)
            conn.execute(
                "insert into petitions (id, tracking_code, idempotency_key, title, content, content_public,"
                " category, suggested_category, channel, due_at) values (1, 'PAKN-2026-000001', 'khoa',"
                " 'Đèn hỏng', 'Đèn đường hỏng', 'Đèn đường hỏng', 'khac', 'khac', 'web', now())"
            )
            [upgrade] = [body for version, body in migration_files() if version.startswith("0014")]
            conn.execute(upgrade)
            salt, stored = present(conn.execute("select receipt_salt, receipt_hash from petitions").fetchone())
            assert len(salt) == 16 and len(stored) == 32
            # The migration's secrets: the code's alphabet, a digit in each, the code's digest, hard to guess.
            made = conn.execute(
                "select s, sha256(%s || convert_to(s, 'UTF8')) from"
                " (select pg_temp.new_receipt_secret() as s from generate_series(1, 500)) x",
                (salt,),
            ).fetchall()
    finally:
        with psycopg.connect(urls.owner, autocommit=True) as conn:
            conn.execute(f"drop database {name} with (force)")
    for secret, digest in made:
        assert len(secret) == 6 and set(secret) <= set(receipts.ALPHABET) and re.search(r"\d", secret)
        assert bytes(digest) == receipts.digest(salt, secret)
        assert receipts.parse(f"PAKN-2026-000001-{secret.lower()}") == receipts.Receipt(2026, 1, secret)
    assert len({secret for secret, _ in made}) > 490
