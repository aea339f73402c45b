"""Zip packages (XLSX, DOCX) measured before a parser opens them, so that a small upload cannot expand to gigabytes.

The sizes are those the package declares: Python's ``zipfile``, which openpyxl and python-docx read through,
never returns more bytes of a member than its declared size, so the declared total bounds what a parser can get.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from mattran.domain.errors import Invalid

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000


class ArchiveTooLarge(Invalid):
    """The package would expand beyond the limit (a "zip bomb"); the message is Vietnamese."""


def check_unpacked(source: Path | IO[bytes], limit: int = MAX_UNPACKED_BYTES) -> None:
    """Raise ``ArchiveTooLarge`` when the members add up to more than ``limit`` bytes (``BadZipFile``: not a zip)."""
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
    total = sum(info.file_size for info in members)
    if len(members) > MAX_MEMBERS or total > limit:
        mb = 1024 * 1024
        raise ArchiveTooLarge(
            f"nội dung giải nén quá lớn ({total // mb:,} MB trong {len(members):,} phần; "
            f"tối đa {limit // mb} MB), có thể là tệp nén độc hại".replace(",", ".")
        )
