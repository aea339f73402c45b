"""Files the tests upload: attachments of each kind and member lists."""

from __future__ import annotations

from typing import Any

from mattran.domain import member_io

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00" + bytes(60)  # a Windows program


def table_file(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """An import file with the rows' keys as headers."""
    table = iter([list(rows[0]), *[list(r.values()) for r in rows]])
    return member_io.to_xlsx(table) if fmt == "xlsx" else member_io.to_csv(table)
