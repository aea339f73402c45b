"""A petitioner's contact, as written in the chat ("Nguyễn Văn An, 0912 345 678", "tên Lan, email lan@vi-du.vn"):
a phone number or an e-mail address, and the name around them."""

from __future__ import annotations

import re

from pydantic import ValidationError

from mattran.domain import receipts
from mattran.domain.petitions.models import Contact

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d .\-()]{7,16}\d(?!\w)")
# Words that introduce a part of the contact, not the name (matched on the text as written, any case).
_LABELS = re.compile(
    r"(?i)\b(?:(?:họ và tên|họ tên|tên tôi là|tên|tôi là|mình là|em là|số điện thoại|điện thoại|sđt|sdt|đt|"
    r"email|e-mail|thư điện tử|liên hệ|gọi lại|cho|số|là|có)\b\s*:?)"
)
_NOT_NAME = re.compile(r"[^\w\s'.-]")
_NAME_WORDS = 6


def read(text: str) -> Contact | None:
    """The contact in ``text``: a phone or an e-mail (a valid one), and the words left as the name; None when the
    text holds neither (a tracking code is not a phone number)."""
    if receipts.spans(text):
        return None
    email = _EMAIL.search(text)
    rest = _EMAIL.sub(" ", text)
    phone = _PHONE.search(rest)
    if email is None and phone is None:
        return None
    rest = _PHONE.sub(" ", rest)
    name = " ".join(_NOT_NAME.sub(" ", _LABELS.sub(" ", rest)).split()).strip(" .-'")
    if len(name.split()) > _NAME_WORDS:  # a message that holds a number, not a contact
        return None
    try:
        return Contact(
            full_name=name[:100] or None,
            phone=phone.group(0).strip() if phone else None,
            email=email.group(0) if email else None,
        )
    except ValidationError:
        return None


def shown(contact: Contact) -> str:
    """The contact in one line, as the petitioner is asked to confirm it."""
    return ", ".join(v for v in (contact.full_name, contact.phone, contact.email) if v)
