"""Attachments: only images and complete PDFs, recognised by their content (not their name), size-limited,
under a plain file name (no folders)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]


@dataclass(frozen=True)
class Attachment:
    """A checked file, ready to store."""

    filename: str
    content_type: str
    data: bytes

    def as_row(self) -> dict[str, object]:
        """The values stored for it."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "data": self.data,
        }


def sniff(data: bytes) -> str | None:
    """The content type that the bytes really are, among the accepted ones."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


_CONTROL = re.compile(r"[\x00-\x1f]")  # what a file name may not hold


def check(filename: str, data: bytes) -> Attachment:
    """Accept the file or raise ``ValueError`` with a Vietnamese reason."""
    name = (filename or "tep")[-120:]
    if "/" in name or "\\" in name or _CONTROL.search(name) or not name.strip(". "):
        shown = _CONTROL.sub("?", name)
        raise ValueError(f"Tên tệp “{shown}” không hợp lệ: chỉ ghi tên tệp, không kèm thư mục hay ký tự điều khiển.")
    if not data:
        raise ValueError(f"Tệp “{name}” rỗng.")
    if len(data) > MAX_BYTES:
        raise ValueError(f"Tệp “{name}” vượt quá {MAX_BYTES // (1024 * 1024)} MB.")
    content_type = sniff(data)
    if content_type is None:
        raise ValueError(f"Tệp “{name}” không phải ảnh (JPEG, PNG, WebP) hoặc PDF.")
    if content_type == "application/pdf" and b"%%EOF" not in data[-2048:]:
        raise ValueError(f"Tệp “{name}” là PDF không đầy đủ (bị cắt hoặc hỏng): hãy gửi lại tệp gốc.")
    return Attachment(name, content_type, data)


def check_all(files: Sequence[tuple[str, bytes]], held: int = 0) -> list[Attachment]:
    """Accept every ``(name, bytes)`` file of a petition that already has ``held`` ones, or raise ``ValueError``
    with the first Vietnamese reason (at most :data:`MAX_FILES` in all)."""
    if held + len(files) > MAX_FILES:
        raise ValueError(f"Tối đa {MAX_FILES} tệp đính kèm cho một phản ánh.")
    return [check(name, data) for name, data in files]
