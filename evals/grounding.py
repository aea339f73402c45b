"""Answer grounding of the library: every citation exists and holds the text it quotes.

For each question of the retrieval set (``datasets/library_questions.jsonl``, read by :func:`evals.retrieval.load`),
the library answers as a citizen would be answered; each cited passage is then looked up as the citizen may read
it: its document must exist, the anchor it links to must be a chunk of that document, the passage's text must be
that chunk's text, and every sentence quoted from it must be in that text verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

from evals.outcome import Outcome, share
from evals.retrieval import Question
from evals.thresholds import for_suite
from mattran.auth.principal import Principal, Role
from mattran.domain.library import LibraryService, Passage

THRESHOLDS = for_suite("grounding")
CITIZEN = Principal(subject="eval:grounding", name="Người dân", roles=frozenset({Role.CITIZEN}))


@dataclass
class Report(Outcome):
    """Outcome of one run."""

    thresholds = THRESHOLDS
    questions: int = 0
    answered: int = 0
    citations: int = 0
    grounded: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """``grounded_rate`` (held to :data:`THRESHOLDS`), the share of questions answered, the citations checked."""
        return {
            "grounded_rate": share(self.grounded, self.citations),
            "answered_rate": share(self.answered, self.questions),
            "citations": float(self.citations),
        }


async def _fault(library: LibraryService, principal: Principal, passage: Passage) -> str | None:
    """Why a cited passage is not grounded (None when it is)."""
    hit = passage.hit
    document = await library.document(principal, hit.document_id)
    if document is None:
        return "document not found"
    chunk = next((c for c in document["chunks"] if c["anchor"] == hit.anchor), None)
    if chunk is None:
        return f"anchor {hit.anchor} not in the document"
    if chunk["body"] != hit.text:
        return "passage text differs from the chunk"
    missing = [s for s in passage.sentences if s not in chunk["body"]]
    return f"quoted sentence not in the chunk: {missing[0][:120]}" if missing else None


async def evaluate(library: LibraryService, questions: list[Question], principal: Principal = CITIZEN) -> Report:
    """Answer every question and check each citation against the library."""
    report = Report()
    for question in questions:
        answer = await library.answer(principal, question.query)
        report.questions += 1
        report.answered += answer.found
        for passage in answer.passages:
            report.citations += 1
            fault = await _fault(library, principal, passage)
            if fault is None:
                report.grounded += 1
            else:
                report.failures.append(
                    {
                        "id": question.id,
                        "query": question.query,
                        "document_id": passage.hit.document_id,
                        "anchor": passage.hit.anchor,
                        "fault": fault,
                    }
                )
    return report
