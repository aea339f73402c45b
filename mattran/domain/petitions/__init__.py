"""Petitions (phản ánh, kiến nghị): one intake pipeline for every door, public views, the cadres' workflow and the
background jobs, each a service of its own over the same store."""

from __future__ import annotations

from dataclasses import dataclass

from mattran.domain.petition_status import OPEN_STATUSES, STATUS_LABELS
from mattran.domain.petitions.claims import PetitionClaims
from mattran.domain.petitions.errors import (
    InvalidPetition,
    PetitionConflict,
    PetitionError,
    PetitionNotFound,
    PetitionRefused,
    PetitionSignInRequired,
)
from mattran.domain.petitions.followup import PetitionFollowUp
from mattran.domain.petitions.intake import PetitionIntake
from mattran.domain.petitions.jobs import PetitionJobs
from mattran.domain.petitions.models import Action, Contact, Filed, PetitionIn, PublicStatus, Similar, public_number
from mattran.domain.petitions.views import PetitionViews
from mattran.domain.petitions.workflow import PetitionWorkflow

__all__ = [
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "Action",
    "Contact",
    "Filed",
    "InvalidPetition",
    "PetitionClaims",
    "PetitionConflict",
    "PetitionError",
    "PetitionFollowUp",
    "PetitionIn",
    "PetitionIntake",
    "PetitionJobs",
    "PetitionNotFound",
    "PetitionRefused",
    "PetitionSignInRequired",
    "PetitionViews",
    "PetitionWorkflow",
    "Petitions",
    "PublicStatus",
    "Similar",
    "public_number",
]


@dataclass(frozen=True)
class Petitions:
    """The petition services: ``intake`` (filing, from every door), ``workflow`` (the cadres'), ``views`` (the
    public's), ``jobs`` (in the background) and ``followup`` (the petitioner's, after filing)."""

    intake: PetitionIntake
    workflow: PetitionWorkflow
    views: PetitionViews
    jobs: PetitionJobs
    followup: PetitionFollowUp
    claims: PetitionClaims  # a guest's petition attached to a citizen's account by its receipt's link
