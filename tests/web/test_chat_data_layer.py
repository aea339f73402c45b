"""The chat history's data layer (web/chat/history.py) on the session's store: whose data it is."""

from __future__ import annotations

import uuid
from typing import Literal

import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import HTTPSession
from chainlit.step import StepDict
from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import PersistedUser, User
from sqlalchemy.engine import make_url

from mattran.bootstrap import StoreUrls
from web.chat.history import ChatHistory, asyncpg_url
from web.chat.mount import CHAT_USER, GUEST_ID


def test_asyncpg_url_from_the_app_connection() -> None:
    def parts(conninfo: str) -> tuple[object, ...]:
        url = make_url(asyncpg_url(conninfo))
        return url.drivername, url.username, url.password, url.host, url.port, url.database, dict(url.query)

    assert parts("user=mattran_app dbname=mattran host=/tmp/pg port=5432 password='p w@d'") == (
        "postgresql+asyncpg",
        "mattran_app",
        "p w@d",
        None,
        None,
        "mattran",
        {"host": "/tmp/pg", "port": "5432"},
    )
    assert parts("postgresql://app:pw@db.example:6432/mattran?sslmode=require") == (
        "postgresql+asyncpg",
        "app",
        "pw",
        "db.example",
        6432,
        "mattran",
        {"ssl": "require"},
    )


async def test_the_data_layer_keeps_each_history_to_its_author(urls: StoreUrls) -> None:
    history = ChatHistory(urls.app)
    try:

        def as_(user: PersistedUser, thread_id: str) -> None:
            context_var.set(
                ChainlitContext(HTTPSession(id=str(uuid.uuid4()), client_type="webapp", thread_id=thread_id, user=user))
            )

        def step(thread_id: str, kind: Literal["user_message", "assistant_message"], text: str) -> StepDict:
            return StepDict(
                id=str(uuid.uuid4()),
                threadId=thread_id,
                name=kind,
                type=kind,
                output=text,
                streaming=False,
                createdAt="2026-05-01T08:00:00Z",
                metadata={},
            )

        guest = await history.create_user(User(identifier=GUEST_ID))
        assert guest is not None
        guest_thread = str(uuid.uuid4())
        as_(guest, guest_thread)
        await history.update_thread(guest_thread, name="khách", user_id=guest.id)
        await history.create_step(step(guest_thread, "user_message", "tin nhắn của khách"))
        assert await history.get_thread(guest_thread) is None
        assert (await history.list_threads(Pagination(first=20), ThreadFilter(userId=guest.id))).data == []

        identifier = f"test:{uuid.uuid4()}"
        CHAT_USER.set(identifier)  # as the chat's header callback does: the database stores only one's own user
        author = await history.create_user(User(identifier=identifier))
        assert author is not None
        thread = str(uuid.uuid4())
        as_(author, thread)
        await history.update_thread(thread, name="của tôi", user_id=author.id, metadata={"is_shared": True})
        reply = step(thread, "assistant_message", "câu trả lời")
        await history.create_step(reply)
        stored = await history.get_thread(thread)
        assert stored is not None and stored["userIdentifier"] == author.identifier
        assert "is_shared" not in (stored["metadata"] or {})  # threads cannot be shared

        for someone in (None, GUEST_ID, "test:someone-else"):
            CHAT_USER.set(someone)
            with pytest.raises(PermissionError):
                await history.upsert_feedback(Feedback(forId=reply["id"], value=1, comment="không phải của tôi"))
        CHAT_USER.set(author.identifier)
        given = await history.upsert_feedback(Feedback(forId=reply["id"], value=0, comment="chưa đúng"))
        CHAT_USER.set("test:someone-else")
        assert not await history.delete_feedback(given)
        CHAT_USER.set(author.identifier)
        [rated] = [s for s in (await history.get_thread(thread) or {"steps": []})["steps"] if s.get("feedback")]
        assert rated["feedback"] == {"forId": reply["id"], "id": given, "value": 0, "comment": "chưa đúng"}
        assert await history.delete_feedback(given)
    finally:
        await history.close()
