"""Every feature's tables, imported in one place so that the metadata (and Alembic) sees them all."""

from app.accounts.models import InstitutionRole, Invitation, User
from app.institutions.models import (
    Institution,
    Network,
    NetworkMembership,
    StrategicPartnership,
    Unit,
)
from app.mail.models import OutboxMessage
from app.planner.models import Activity, ChecklistItem, Plan, ProposedIndicator, StatusChange
from app.practices.models import Practice, PracticeIndicator, PracticeRevision, PracticeTerm

__all__ = [
    "Activity",
    "ChecklistItem",
    "Institution",
    "InstitutionRole",
    "Invitation",
    "Network",
    "NetworkMembership",
    "OutboxMessage",
    "Plan",
    "Practice",
    "PracticeIndicator",
    "PracticeRevision",
    "PracticeTerm",
    "ProposedIndicator",
    "StatusChange",
    "StrategicPartnership",
    "Unit",
    "User",
]
