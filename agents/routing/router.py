"""Which intent a message has: certain signals first, then the learned model among the intents the caller's role has.

Rules decide only where they are certain (an attempt to steer the assistant or to reach others' personal data; an
exact command to file a petition; a bare address; a tracking code, unless the model reads an attempt on that
petition); otherwise the model ranks the intents the
caller may have (a citizen never gets a cadre's intent), and when its two best are too close it asks which was
meant.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from agents.cadre_slots import asks_history
from agents.routing.model import RouterModel
from agents.understanding import (
    Intent,
    certain_intent,
    congress_intent,
    congress_question,
    manipulation,
    tracking_code,
)
from mattran.auth.principal import Principal
from mattran.domain.embedding import Encoder
from mattran.domain.library_query import normalise_question
from mattran.domain.text import fold
from tools.registry import ALL_TOOLS

# Intents answered in words: every caller may have them.
_SPOKEN = frozenset({Intent.HELP, Intent.OUT_OF_SCOPE, Intent.MANIPULATION})


@dataclass(frozen=True)
class Routed:
    """The intent chosen, or the two between which the person is asked to choose."""

    intent: Intent
    choices: tuple[Intent, ...] = ()


def allowed_intents(principal: Principal) -> frozenset[str]:
    """The intents of the tools the caller's role may use, and those answered in words."""
    tools = {name for name, tool in ALL_TOOLS.items() if tool.allowed_for(principal)}
    return frozenset(i.value for i in Intent if i in _SPOKEN or i.value in tools)


@dataclass(frozen=True)
class Router:
    """The learned model and the encoder whose query vectors it reads."""

    model: RouterModel
    encoder: Encoder

    async def route(self, text: str, principal: Principal) -> Routed:
        """The message's intent for this caller."""
        if manipulation(fold(text)):
            return Routed(Intent.MANIPULATION)
        if certain := certain_intent(text):
            return Routed(certain)
        vector: np.ndarray = await asyncio.to_thread(self.encoder.query, normalise_question(text))  # as the library
        ranking = self.model.rank(text, vector, allowed_intents(principal))
        best = Intent(ranking.best)
        if (adjusted := congress_intent(best, text)) != best and adjusted in ranking.intents:
            return Routed(adjusted)
        if best == Intent.GET_CONGRESS_PROGRESS and congress_question(text):
            return Routed(best)
        if Intent.GET_CONGRESS_PROGRESS in ranking.intents[:2] and congress_question(text) and not tracking_code(text):
            return Routed(Intent.GET_CONGRESS_PROGRESS)  # the close call was between progress and a neighbour
        if best != Intent.QUERY_MEMBERS and Intent.QUERY_MEMBERS in ranking.intents and asks_history(text):
            return Routed(Intent.QUERY_MEMBERS)  # a committee member's history, told by their title and name
        if tracking_code(text):  # a tracking code: a question about that petition, unless it is an attempt on it
            return Routed(Intent.MANIPULATION if best == Intent.MANIPULATION else Intent.GET_PETITION_STATUS)
        if ranking.margin < self.model.clarify_margin and len(ranking.intents) > 1:
            second = Intent(ranking.intents[1])
            if {best, second} <= _CLARIFIABLE:
                return Routed(Intent.CLARIFY, (best, second))
        return Routed(best)


# Pairs worth a question: both lead somewhere (a close call between help and out of scope is not).
_CLARIFIABLE = frozenset(i for i in Intent if i not in _SPOKEN and i != Intent.CLARIFY) | {Intent.HELP}
