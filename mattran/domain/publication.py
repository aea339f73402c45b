"""Publication as a review: a cadre approves the public title, text and answer of a petition.

The draft shows each text as written, with the personal data the detector found as spans, and proposes its
masked version; the cadre edits and approves. What is approved is checked once more: anything the detector
still finds is masked before it is stored, so an approved text never carries what the detector can see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel

from mattran.domain.masking import PLACEHOLDERS, find_personal_data, mask_spans

FIELDS = {"title_public": "tiêu đề", "content_public": "nội dung", "answer_public": "trả lời"}


class DetectedSpan(BaseModel):
    """Personal data found in the original text: ``original[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: str
    label: str


class Segment(BaseModel):
    """A piece of the original text, personal data (``kind``) or not (``None``): for highlighting."""

    text: str
    kind: str | None = None


class ReviewedText(BaseModel):
    """One text under review: as written, what was found in it, and the proposed public version."""

    original: str
    spans: list[DetectedSpan]
    proposed: str

    @property
    def segments(self) -> list[Segment]:
        """The original cut at the spans, for a page that highlights them."""
        parts, at = [], 0
        for s in self.spans:
            parts += [
                Segment(text=self.original[at : s.start]),
                Segment(text=self.original[s.start : s.end], kind=s.label),
            ]
            at = s.end
        return [p for p in [*parts, Segment(text=self.original[at:])] if p.text]


class PublicationDraft(BaseModel):
    """What a cadre reviews before a petition's answer is made public."""

    tracking_code: str
    title: ReviewedText
    content: ReviewedText
    answer: ReviewedText
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None

    def approval(self) -> dict[str, str]:
        """The proposed public versions, as the ``publish`` action takes them."""
        return {
            "title_public": self.title.proposed,
            "content_public": self.content.proposed,
            "answer_public": self.answer.proposed,
        }


def review(original: str, known: Iterable[str | None], current: str | None = None) -> ReviewedText:
    """``original`` with its personal data found; the proposal is the reviewed version already approved, if
    any, else the masked original."""
    found = find_personal_data(original, known)
    spans = [
        DetectedSpan(start=f.start, end=f.end, kind=f.kind.value, label=PLACEHOLDERS[f.kind].strip("[]")) for f in found
    ]
    return ReviewedText(original=original, spans=spans, proposed=current or mask_spans(original, found))


def approved(text: str, known: Iterable[str | None]) -> tuple[str, int]:
    """An approved text made safe: what the detector still finds in it is masked; the count of such spans."""
    found = find_personal_data(text, known)
    return mask_spans(text, found), len(found)
