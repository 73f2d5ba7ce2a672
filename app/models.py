"""Every feature's tables, imported in one place so that the metadata (and Alembic) sees them all."""

from app.accounts.models import ApiToken, InstitutionRole, Invitation, User
from app.applications.models import Answer, Applicant, Application
from app.core.data_version import DataScope, DataState
from app.events.models import (
    CommitteeMember,
    Event,
    MessageTemplate,
    Question,
    RubricCriterion,
    Track,
)
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
from app.participation.models import Attendance, Feedback
from app.planner.models import Activity, ChecklistItem, Plan, ProposedIndicator, StatusChange
from app.practices.models import (
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeTerm,
    PracticeTranslation,
)
from app.selection.models import Review, ReviewScore
from app.sending.models import Sending
from app.series.models import Series, SeriesMember, SeriesTrack
from app.visits.models import VisitContact, VisitDay, VisitFeedback, VisitRequest, VisitUnit

__all__ = [
    "Activity",
    "Answer",
    "ApiToken",
    "Applicant",
    "Application",
    "Attendance",
    "ChecklistItem",
    "CommitteeMember",
    "DataScope",
    "DataState",
    "Event",
    "EvidenceFile",
    "Feedback",
    "Indicator",
    "IndicatorTarget",
    "Institution",
    "InstitutionRole",
    "Invitation",
    "Measurement",
    "MeasurementChange",
    "MessageTemplate",
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
    "Question",
    "Review",
    "ReviewScore",
    "RubricCriterion",
    "Sending",
    "Series",
    "SeriesMember",
    "SeriesTrack",
    "StatusChange",
    "StrategicPartnership",
    "Track",
    "Unit",
    "User",
    "VisitContact",
    "VisitDay",
    "VisitFeedback",
    "VisitRequest",
    "VisitUnit",
]
