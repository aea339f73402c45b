"""The chat's security through the running platform: its token ends with the platform session (as a cookie, as a
bearer, on the socket), only the platform's own origin may call it, a guest's conversation is the guest's alone and
is deleted once filed or cancelled, conversations are pruned after their retention, and exports are masked."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from mattran.domain.chat_retention import Retention, prune
from mattran.settings import DEV_APP_DB_PASSWORD
from mattran.store.db import Database
from tests.support.checks import present
from tests.support.platform import (
    DEMO_ACCOUNTS,
    MATTRAN,
    Platform,
    cli_env,
    free_port,
    owner_rows,
    serving,
    sign_in,
)
from tests.support.store import open_pool

EVIL = "http://evil.example"
THREADS = {"pagination": {"first": 20, "cursor": None}, "filter": {}}
PETITION = "Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, phường Ba Đình, Hà Nội bị vỡ, nước tràn ra đường."
HANDSHAKE = "/chat/ws/socket.io/?EIO=4&transport=polling"


def _csrf(client: httpx2.Client, base_url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"{base_url}/").text)
    assert found
    return found.group(1)


def _signed_in_with_chat(platform: Platform, role: str = "citizen") -> tuple[httpx2.Client, str]:
    """A client signed in to the platform that opened the chat (as its page does); and the chat's token."""
    client = httpx2.Client(timeout=30)
    sign_in(client, platform.base_url, *DEMO_ACCOUNTS[role])
    assert client.post(f"{platform.base_url}/chat/auth/header").status_code == 200
    token = client.cookies.get("access_token")
    assert token
    return client, token


def _memory(platform: Platform, conversation: str) -> int:
    """How many checkpoint rows a guest's conversation has (its memory, files held included)."""
    thread = f"khach:{conversation}"
    return sum(
        owner_rows(platform, f"select count(*) from {t} where thread_id = %s", thread)[0][0]
        for t in ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
    )


def _say(
    platform: Platform, message: str, conversation: str | None = None, headers: dict[str, str] | None = None
) -> httpx2.Response:
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    return httpx2.post(f"{platform.base_url}/api/chat", json=body, headers=headers or {}, timeout=60)


def test_the_chat_token_is_refused_once_its_session_has_ended(platform: Platform) -> None:
    base = platform.base_url
    client, token = _signed_in_with_chat(platform)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(f"{base}/chat/project/threads", json=THREADS).status_code == 200  # the chat page's own call
    assert httpx2.post(f"{base}/chat/project/threads", json=THREADS, headers=bearer).status_code == 401  # alone

    client.post(f"{base}/dang-xuat", data={"csrf_token": _csrf(client, base)})
    for cookie in ({"Cookie": f"access_token={token}"}, {}):
        listed = httpx2.post(f"{base}/chat/project/threads", json=THREADS, headers=bearer | cookie)
        assert listed.status_code == 401, listed.text
        assert httpx2.get(f"{base}/chat/user", headers=bearer | cookie).status_code == 401
        assert httpx2.post(f"{base}/chat/auth/jwt", headers=bearer | cookie).status_code == 401
    socket = httpx2.get(f"{base}{HANDSHAKE}", headers={"Cookie": f"access_token={token}"})
    assert socket.status_code == 401 and not socket.text.startswith("0{")

    again = httpx2.Client(timeout=30)  # the same person signs in again: the old token is not the new session's
    sign_in(again, base, *DEMO_ACCOUNTS["citizen"])
    session = f"mattran_session={again.cookies.get('mattran_session')}"
    old = {"Cookie": f"{session}; access_token={token}"}
    assert httpx2.post(f"{base}/chat/project/threads", json=THREADS, headers=old).status_code == 401
    assert httpx2.get(f"{base}{HANDSHAKE}", headers=old).status_code == 401
    assert (
        httpx2.post(f"{base}/chat/project/threads", json=THREADS, headers=bearer | {"Cookie": session}).status_code
        == 401
    )
    assert again.post(f"{base}/chat/auth/header").status_code == 200  # what the chat page does next
    assert again.post(f"{base}/chat/project/threads", json=THREADS).status_code == 200
    assert again.get(f"{base}{HANDSHAKE}").text.startswith("0{")
    client.close()
    again.close()


def test_the_chat_token_lasts_an_hour_and_is_secure_when_a_trusted_proxy_says_https(
    platform: Platform, tmp_path: Path
) -> None:
    plain = httpx2.post(f"{platform.base_url}/chat/auth/header").headers["set-cookie"]
    assert "Max-Age=3600" in plain and "secure" not in plain.lower()  # plain http: not Secure
    proxied = httpx2.post(f"{platform.base_url}/chat/auth/header", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in proxied.headers["set-cookie"]  # from 127.0.0.1, trusted by default

    port = free_port()  # a platform that trusts no proxy
    env = cli_env(
        tmp_path / "store", MATTRAN_IDP_PORT=str(free_port()), MATTRAN_TRUSTED_PROXIES="", MATTRAN_DEMO_DATA="false"
    )
    with serving(port, env, tmp_path, tmp_path / "up.log", timeout=180):
        untrusted = httpx2.post(f"http://127.0.0.1:{port}/chat/auth/header", headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in untrusted.headers["set-cookie"].lower()


def _preflight(client: httpx2.Client, base: str, origin: str) -> httpx2.Response:
    """The browser's CORS preflight, from ``origin``, for a JSON POST to the chat's thread list."""
    return client.options(
        f"{base}/chat/project/threads",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_only_the_platforms_own_origin_may_call_the_chat_or_open_its_socket(platform: Platform) -> None:
    base = platform.base_url
    client, _ = _signed_in_with_chat(platform, "commune_cadre")
    for origin in (EVIL, "http://127.0.0.1:1", "null"):
        preflight = _preflight(client, base, origin)
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
        listed = client.post(f"{base}/chat/project/threads", json=THREADS, headers={"Origin": origin})
        assert listed.status_code == 403 and "access-control-allow-origin" not in listed.headers
        socket = client.get(f"{base}{HANDSHAKE}", headers={"Origin": origin})
        assert socket.status_code == 403 and not socket.text.startswith("0{")
        assert client.post(f"{base}/chat/auth/header", headers={"Origin": origin}).status_code == 403

    own = _preflight(client, base, base)
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == base
    assert client.post(f"{base}/chat/project/threads", json=THREADS, headers={"Origin": base}).status_code == 200
    assert client.get(f"{base}{HANDSHAKE}", headers={"Origin": base}).text.startswith("0{")
    client.close()


def test_a_guest_cannot_choose_nor_take_over_a_conversation(platform: Platform) -> None:
    chosen = "hoi-dap-chung"
    first = _say(platform, PETITION, chosen)
    assert first.status_code == 422 and "conversation_id" in first.json()["detail"]
    second = _say(platform, "có", chosen)
    assert second.status_code == 422 and "PAKN-" not in second.text

    mine = _say(platform, PETITION).json()
    assert mine["confirmation"] and len(mine["conversation_id"]) >= 40
    forged = mine["conversation_id"][:-4] + "0000"
    taken = _say(platform, "có", forged)
    assert taken.status_code == 422 and "PAKN-" not in taken.text
    assert _memory(platform, mine["conversation_id"]) > 0  # still waiting for its own guest


@pytest.mark.parametrize(("answer", "outcome"), [("có", "PAKN-"), ("không", "hủy")])
def test_a_guests_conversation_is_deleted_once_its_petition_is_filed_or_cancelled(
    platform: Platform, answer: str, outcome: str
) -> None:
    asked = _say(platform, PETITION).json()
    conversation = asked["conversation_id"]
    assert asked["confirmation"] and _memory(platform, conversation) > 0
    done = _say(platform, answer, conversation).json()
    assert outcome in done["reply"].lower() or outcome in done["reply"]
    assert _memory(platform, conversation) == 0
    again = _say(platform, "có", conversation).json()  # nothing left to answer
    assert "PAKN-" not in again["reply"]


@pytest.fixture
async def platform_db(platform: Platform) -> AsyncIterator[Database]:
    """The platform's store through the application role (as `mattran up` prunes it)."""
    url = make_conninfo(platform.owner_uri(), user="mattran_app", password=DEV_APP_DB_PASSWORD)
    async with open_pool(url, max_size=1) as db:
        yield db


async def test_conversations_are_pruned_after_their_retention(platform: Platform, platform_db: Database) -> None:
    guest = _say(platform, PETITION).json()["conversation_id"]
    signed = _say(
        platform,
        "Phường Hoàn Kiếm, HN",
        headers={
            "Authorization": f"Bearer {platform.mint({'sub': 'luu-tru', 'name': 'Lưu Trữ', 'roles': ['citizen']})}"
        },
    )
    signed_thread = f"luu-tru:{signed.json()['conversation_id']}"
    thread = str(uuid.uuid4())
    now = datetime.now(UTC)
    with psycopg.connect(platform.owner_uri()) as conn:
        user = conn.execute(
            'insert into chat.users ("id", "identifier", "metadata", "createdAt")'
            " values (gen_random_uuid(), %s, '{}', %s) on conflict (\"identifier\") do update"
            ' set "metadata" = excluded."metadata" returning "id"',
            ("luu-tru", now.isoformat()),
        ).fetchone()
        conn.execute(
            'insert into chat.threads ("id", "createdAt", "name", "userId", "userIdentifier")'
            " values (%s, %s, 'cũ', %s, 'luu-tru')",
            (thread, now.isoformat(), user[0]),
        )
        conn.execute(
            'insert into chat.steps ("id", "name", "type", "threadId", "streaming", "output", "createdAt")'
            " values (gen_random_uuid(), 'user', 'user_message', %s, false, 'Số tôi 0912345678', %s)",
            (thread, now.isoformat()),
        )

    def kept() -> tuple[bool, bool, bool]:
        return (
            _memory(platform, guest) > 0,
            owner_rows(platform, "select count(*) from checkpoints where thread_id = %s", signed_thread)[0][0] > 0,
            owner_rows(platform, 'select count(*) from chat.threads where "id" = %s', thread)[0][0] > 0,
        )

    retention = Retention.of(24, 90)
    await prune(platform_db, retention, clock=lambda: now + timedelta(hours=23))
    assert kept() == (True, True, True)
    await prune(platform_db, retention, clock=lambda: now + timedelta(hours=25))
    assert kept() == (False, True, True)
    await prune(platform_db, retention, clock=lambda: now + timedelta(days=89))
    assert kept() == (False, True, True)
    pruned = await prune(platform_db, retention, clock=lambda: now + timedelta(days=91))
    assert kept() == (False, False, False) and pruned.threads >= 1 and pruned.conversations >= 1
    assert owner_rows(platform, 'select count(*) from chat.steps where "threadId" = %s', thread) == [(0,)]


def test_the_prune_command_runs_against_the_store(platform: Platform, tmp_path: Path) -> None:
    done = subprocess.run(
        [MATTRAN, "chat-prune"],
        env=cli_env(platform.data_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"Đã xóa \d+ cuộc trò chuyện", done.stdout + done.stderr)


def test_the_app_role_sees_only_the_conversation_it_serves(platform: Platform) -> None:
    guest = _say(platform, PETITION).json()["conversation_id"]
    app = make_conninfo(platform.owner_uri(), user="mattran_app", password=DEV_APP_DB_PASSWORD)
    with psycopg.connect(app, autocommit=True) as conn:

        def count() -> int:
            row = conn.execute("select count(*) from checkpoints where thread_id = %s", (f"khach:{guest}",)).fetchone()
            return int(present(row)[0])

        assert count() == 0  # set to no conversation
        conn.execute("select set_config('mattran.conversation', 'khach:another', false)")
        assert count() == 0 and conn.execute("delete from checkpoint_blobs").rowcount == 0
        conn.execute("select set_config('mattran.conversation', %s, false)", (f"khach:{guest}",))
        assert count() > 0
    assert _memory(platform, guest) > 0


def test_the_app_role_reads_only_the_chat_history_of_the_person_it_serves(platform: Platform) -> None:
    thread = str(uuid.uuid4())
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            'insert into chat.threads ("id", "name", "userIdentifier") values (%s, %s, %s)', (thread, "riêng", "rls-a")
        )
        conn.execute(
            'insert into chat.steps ("id", "name", "type", "threadId", "streaming", "output")'
            " values (gen_random_uuid(), 'user', 'user_message', %s, false, 'Số tôi 0912345678')",
            (thread,),
        )
    app = make_conninfo(platform.owner_uri(), user="mattran_app", password=DEV_APP_DB_PASSWORD)
    with psycopg.connect(app) as conn:

        def seen(subject: str) -> tuple[int, int]:
            with conn.transaction():
                conn.execute("select set_config('mattran.subject', %s, true)", (subject,))
                threads = conn.execute('select count(*) from chat.threads where "id" = %s', (thread,)).fetchone()
                steps = conn.execute('select count(*) from chat.steps where "threadId" = %s', (thread,)).fetchone()
                return present(threads)[0], present(steps)[0]

        assert seen("rls-b") == (0, 0) and seen("") == (0, 0)
        assert seen("rls-a") == (1, 1)
    owner_rows(platform, 'delete from chat.threads where "id" = %s returning "id"', thread)


def test_the_feedback_export_masks_personal_data(platform: Platform, tmp_path: Path) -> None:
    thread, asked, answered = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            'insert into chat.threads ("id", "createdAt", "name", "userIdentifier") values (%s, %s, %s, %s)',
            (thread, now, "xuất", "xuat-khau"),
        )
        for step, kind, text in (
            (asked, "user_message", "Tôi ở số 5 ngõ 7, SĐT 0912 345 678, thư an.nguyen@example.vn"),
            (answered, "assistant_message", "Đã ghi nhận số 0912345678."),
        ):
            conn.execute(
                'insert into chat.steps ("id", "name", "type", "threadId", "streaming", "output", "createdAt")'
                " values (%s, %s, %s, %s, false, %s, %s)",
                (step, kind, kind, thread, text, now),
            )
        conn.execute(
            'insert into chat.feedbacks ("id", "forId", "threadId", "value", "comment")'
            " values (gen_random_uuid(), %s, %s, 0, 'Gọi tôi 0987.654.321')",
            (answered, thread),
        )
    target = tmp_path / "feedback.jsonl"
    export = platform.mattran("feedback", "export", str(target))
    assert export.returncode == 0, export.stderr
    [record] = [r for r in map(json.loads, target.read_text(encoding="utf-8").splitlines()) if r["thread_id"] == thread]
    exported = json.dumps(record, ensure_ascii=False)
    for raw in ("0912 345 678", "0912345678", "an.nguyen@example.vn", "0987.654.321"):
        assert raw not in exported, exported
    assert record["user_message"].startswith("Tôi ở")
    owner_rows(platform, 'delete from chat.threads where "id" = %s returning "id"', thread)


async def test_a_failing_chat_turn_shows_an_incident_reference_never_the_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from web.chat import app as chat_app

    shown: list[str] = []

    class Shown:
        def __init__(self, content: str, author: str) -> None:
            shown.append(content)

        async def send(self) -> None:
            pass

    async def failing() -> None:
        raise RuntimeError('relation "checkpoints" does not exist (host 10.0.0.5, user mattran_app)')

    monkeypatch.setattr(chat_app.cl, "ErrorMessage", Shown)
    with caplog.at_level(logging.ERROR):
        await chat_app.reported(failing)()
    [message] = shown
    found = re.search(r"mã sự cố \*\*([0-9A-F]{8})\*\*", message)
    assert found and message.startswith("Xin lỗi, trợ lý gặp sự cố")
    assert "checkpoints" not in message and "10.0.0.5" not in message
    assert any(found.group(1) in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_guest_cannot_take_over_another_guests_chat_session(platform: Platform) -> None:
    import socketio  # the socket.io client Chainlit's page uses, in Python

    async def connect(session_id: str) -> socketio.AsyncClient:
        token = httpx2.post(f"{platform.base_url}/chat/auth/header").cookies["access_token"]  # a guest's own token
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(
            platform.base_url,
            socketio_path="/chat/ws/socket.io",
            transports=["websocket"],
            headers={"Cookie": f"access_token={token}"},
            wait_timeout=20,
            auth={"sessionId": session_id, "clientType": "webapp", "threadId": str(uuid.uuid4())},
        )
        return client

    session_id = str(uuid.uuid4())
    first = await connect(session_id)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):  # the first guest's session is not the second's
            await (await connect(session_id)).disconnect()
        other = await connect(str(uuid.uuid4()))  # a session of its own works
        await other.disconnect()
    finally:
        await first.disconnect()
