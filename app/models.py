"""Every feature's tables, imported in one place so that the metadata (and Alembic) sees them all."""

from app.accounts.models import ApiToken, InstitutionRole, Invitation, User
from app.indicators.models import (
    EvidenceFile,
    Indicator,
    IndicatorTarget,
    Measurement,
    MeasurementChange,
    PeriodApproval,
)
from app.institutions.models import (
    Institution,
    Network,
    NetworkMembership,
    StrategicPartnership,
    Unit,
)
from app.mail.models import OutboxMessage
from app.planner.models import Activity, ChecklistItem, Plan, ProposedIndicator, StatusChange
from app.practices.models import (
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeTerm,
    PracticeTranslation,
)

__all__ = [
    "Activity",
    "ApiToken",
    "ChecklistItem",
    "EvidenceFile",
    "Indicator",
    "IndicatorTarget",
    "Institution",
    "InstitutionRole",
    "Invitation",
    "Measurement",
    "MeasurementChange",
    "Network",
    "NetworkMembership",
    "OutboxMessage",
    "PeriodApproval",
    "Plan",
    "Practice",
    "PracticeIndicator",
    "PracticeRevision",
    "PracticeTerm",
    "PracticeTranslation",
    "ProposedIndicator",
    "StatusChange",
    "StrategicPartnership",
    "Unit",
    "User",
]
