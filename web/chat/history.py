"""The chat's history and feedback in PostgreSQL (Chainlit's SQLAlchemy data layer, schema ``chat``).

A conversation is its author's: Chainlit lists and opens only the signed-in person's own threads, and this
layer adds what it leaves open: nothing of a guest is stored (a guest is never signed in), feedback is
written and deleted only on one's own messages, and threads cannot be shared. The database holds the same rule:
each of the layer's transactions runs as the person it serves (``current_subject()``, row-level security).
"""

from __future__ import annotations

import uuid
from typing import Any

from chainlit.context import ChainlitContextException, context
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.element import Element
from chainlit.logger import logger
from chainlit.step import StepDict
from chainlit.types import Feedback
from chainlit.user import PersistedUser, User
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from web.chat.mount import CHAT_USER, is_guest

GUEST_USER_ID = str(uuid.UUID(int=0))  # the id of the guest, a chat user never stored
NOT_YOURS = "Chỉ đánh giá được câu trả lời trong cuộc trò chuyện của chính bạn, khi đã đăng nhập."


def asyncpg_url(conninfo: str) -> str:
    """The SQLAlchemy URL (asyncpg driver) for a libpq connection string or URL; a socket dir goes in ``?host=``."""
    params = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    host, port = params.get("host"), params.get("port")
    socket = bool(host and host.startswith("/"))
    query = {
        k: str(v)
        for k, v in {
            "host": host if socket else None,
            "port": port if socket else None,
            "ssl": params.get("sslmode"),
        }.items()
        if v
    }
    url = URL.create(
        "postgresql+asyncpg",
        username=params.get("user"),
        password=params.get("password"),
        host=None if socket else host,
        port=None if socket or not port else int(port),
        database=params.get("dbname"),
        query=query,
    )
    return url.render_as_string(hide_password=False)


def _guest(identifier: str) -> PersistedUser:
    """A guest, as Chainlit sees a chat user (a new object each time: Chainlit sets its display name); its identity
    is its own (Chainlit lets only the same identity take a chat session over), its id the one of every guest."""
    return PersistedUser(id=GUEST_USER_ID, identifier=identifier, createdAt="", metadata={})


def _guest_session() -> bool:
    """Whether the chat session being served is a guest's (outside a session: no)."""
    try:
        user = context.session.user
    except ChainlitContextException:
        return False
    return user is None or is_guest(user.identifier)


def _subject() -> str:
    """Whose chat rows the statement being run may touch: the request's (checked by the chat's session guard), else
    the chat session's; a guest's: nobody's."""
    who = CHAT_USER.get()
    if who is None:
        try:
            who = context.session.user.identifier if context.session.user else None
        except ChainlitContextException:
            who = None
    return "" if who is None or is_guest(who) else who


class ChatHistory(SQLAlchemyDataLayer):
    """Chainlit's SQLAlchemy data layer on the app's connection, with the platform's rules on whose data it is."""

    def __init__(self, conninfo: str) -> None:
        super().__init__(asyncpg_url(conninfo), connect_args={"server_settings": {"search_path": "chat"}})

    async def execute_sql(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]] | int | None:
        """Chainlit's statement, in a transaction limited to the rows of the person it serves (as Chainlit's own:
        a failed statement is logged and gives None)."""
        async with self.async_session() as session:
            try:
                await session.begin()
                await session.execute(text("select set_config('mattran.subject', :who, true)"), {"who": _subject()})
                result = await session.execute(text(query), parameters)
                await session.commit()
            except SQLAlchemyError as exc:
                await session.rollback()
                logger.warning("chat history statement failed: %s", exc)
                return None
            if result.returns_rows:
                rows = [dict(row._mapping) for row in result.fetchall()]
                return self.clean_result(rows)
            return result.rowcount

    async def get_user(self, identifier: str) -> PersistedUser | None:
        """The stored chat user; a guest is one that is never stored (and owns no thread)."""
        return _guest(identifier) if is_guest(identifier) else await super().get_user(identifier)

    async def create_user(self, user: User) -> PersistedUser | None:
        """Store a signed-in person (roles and unit refreshed); a guest is not stored."""
        return _guest(user.identifier) if is_guest(user.identifier) else await super().create_user(user)

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        """Create or update a signed-in person's thread; never a guest's, and never shared."""
        if user_id == GUEST_USER_ID or _guest_session():
            return
        if metadata:
            metadata = {k: v for k, v in metadata.items() if k not in ("is_shared", "shared_at")}
        await super().update_thread(thread_id, name, user_id, metadata, tags)

    async def create_step(self, step_dict: StepDict) -> None:
        """Store a message or tool step of a signed-in person's conversation (a guest's are not stored)."""
        if not _guest_session():
            await super().create_step(step_dict)

    async def get_thread_author(self, thread_id: str) -> str:
        """The thread's author; none ("") when it is not the reader's to see (Chainlit then answers 404)."""
        rows = await self.execute_sql('select "userIdentifier" from threads where "id" = :id', {"id": thread_id})
        return str(rows[0]["userIdentifier"] or "") if isinstance(rows, list) and rows else ""

    async def create_element(self, element: Element) -> None:
        """Elements are not stored: Chainlit's SQLAlchemy layer keeps their content only in a blob store (S3, GCS,
        Azure), which the platform has not. A reply's text holds its answer (and its citations' links), and the files
        attached to a message are stored with the petition they belong to, not with the conversation."""

    async def upsert_feedback(self, feedback: Feedback) -> str:
        """Store a thumbs up/down and comment, only on a message of the signed-in person's own thread."""
        feedback.id = feedback.id or str(uuid.uuid4())
        stored = await self.execute_sql(
            'insert into feedbacks ("id", "forId", "threadId", "value", "comment")'
            ' select :id, s."id", s."threadId", :value, :comment from steps s join threads t on t."id" = s."threadId"'
            ' where s."id" = :for_id and t."userIdentifier" = :author'
            ' on conflict ("id") do update set "value" = excluded."value", "comment" = excluded."comment"'
            ' where feedbacks."forId" = excluded."forId" returning "id"',
            {
                "id": feedback.id,
                "for_id": feedback.forId,
                "value": feedback.value,
                "comment": feedback.comment,
                "author": self._author(),
            },
        )
        if not stored:
            raise PermissionError(NOT_YOURS)
        return feedback.id

    async def delete_feedback(self, feedback_id: str) -> bool:
        """Delete a feedback the signed-in person gave on their own thread."""
        deleted = await self.execute_sql(
            'delete from feedbacks f using threads t where f."id" = :id and t."id" = f."threadId"'
            ' and t."userIdentifier" = :author',
            {"id": feedback_id, "author": self._author()},
        )
        return bool(deleted)

    @staticmethod
    def _author() -> str:
        """Who sends the request being served (set by the chat's session guard), never a guest."""
        who = CHAT_USER.get()
        if who is None or is_guest(who):
            raise PermissionError(NOT_YOURS)
        return who
