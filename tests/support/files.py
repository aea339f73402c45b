"""Files the tests upload: attachments of each kind, member lists and spreadsheets."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from mattran.domain import member_io

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00" + bytes(60)  # a Windows program


def table_file(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """An import file with the rows' keys as headers."""
    table = iter([list(rows[0]), *[list(r.values()) for r in rows]])
    return member_io.to_xlsx(table) if fmt == "xlsx" else member_io.to_csv(table)


def xlsx(rows: list[list[object]]) -> bytes:
    """A real workbook of ``rows``, written by openpyxl."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
