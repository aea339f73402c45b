"""SQL for Open311 GeoReport v2: public requests, read from the ``open311_requests`` view (public data only)."""

from __future__ import annotations

from datetime import datetime

from mattran.store.db import Conn, Row


async def public_requests(
    conn: Conn,
    *,
    codes: list[str] | None = None,
    categories: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    unit_code: str | None = None,
    province_code: str | None = None,
    limit: int = 1000,
) -> list[Row]:
    """Petitions as anyone may see them (no personal data), newest first, filtered."""
    cur = await conn.execute(
        "select tracking_code, status, category, unit_code, created_at, updated_at, due_at, content_public,"
        " answer_public from open311_requests"
        " where (%(codes)s::text[] is null or tracking_code = any(%(codes)s))"
        " and (%(categories)s::text[] is null or category = any(%(categories)s))"
        " and (%(statuses)s::text[] is null or status = any(%(statuses)s))"
        " and (%(start)s::timestamptz is null or created_at >= %(start)s)"
        " and (%(end)s::timestamptz is null or created_at <= %(end)s)"
        " and (%(unit)s::text is null or unit_code = %(unit)s)"
        " and (%(province)s::text is null or province_code = %(province)s)"
        " order by created_at desc, tracking_code desc limit %(limit)s",
        {
            "codes": codes,
            "categories": categories,
            "statuses": statuses,
            "start": start,
            "end": end,
            "unit": unit_code,
            "province": province_code,
            "limit": limit,
        },
    )
    return await cur.fetchall()
