"""Typed SQLAlchemy models: the tables linli keeps, one module per area. Import them from
here (`from storage.models import User`): every table is registered on `Base.metadata` once
this package is imported."""

from storage.models.base import NAMING_CONVENTION, Base
from storage.models.broadcasts import (
    Audience,
    Broadcast,
    BroadcastStatus,
    EventResponse,
    RsvpAnswer,
)
from storage.models.cards import CardAudience, RequestCard
from storage.models.checkins import (
    Checkin,
    CheckinContact,
    CheckinEvent,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
)
from storage.models.community import (
    CallBack,
    Community,
    CommunityLevel,
    GroupChat,
    NumbersDigest,
    ServedCommunity,
)
from storage.models.concerns import (
    Concern,
    ConcernStatus,
    FollowUp,
    FollowUpKind,
    Hearing,
    HouseholdMember,
    LowIncome,
    Mobility,
    NeedsAssessment,
)
from storage.models.households import Household
from storage.models.outbox import OutboxMessage, OutboxStatus, StepFailure
from storage.models.people import (
    AuditEvent,
    FsmState,
    Invite,
    Place,
    User,
    UserRole,
    VolunteerProfile,
    VolunteerStatus,
)
from storage.models.requests import (
    DayPart,
    HelpRequest,
    RequestCategory,
    RequestEvent,
    RequestStatus,
    RequestTiming,
)
from storage.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyInvite,
    SurveyRound,
)
from storage.models.visits import Pairing, Visit, VisitCadence, VisitKind, VisitOutcome, VisitStatus

__all__ = [
    "NAMING_CONVENTION",
    "Audience",
    "AuditEvent",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "CallBack",
    "CardAudience",
    "Checkin",
    "CheckinContact",
    "CheckinEvent",
    "CheckinPlan",
    "CheckinPlanStatus",
    "CheckinStatus",
    "Community",
    "CommunityLevel",
    "Concern",
    "ConcernStatus",
    "ContactKind",
    "DayPart",
    "EventResponse",
    "FollowUp",
    "FollowUpKind",
    "FsmState",
    "GroupChat",
    "Hearing",
    "HelpRequest",
    "Household",
    "HouseholdMember",
    "Invite",
    "LowIncome",
    "Mobility",
    "NeedsAssessment",
    "NumbersDigest",
    "OutboxMessage",
    "OutboxStatus",
    "Pairing",
    "Place",
    "RequestCard",
    "RequestCategory",
    "RequestEvent",
    "RequestStatus",
    "RequestTiming",
    "RsvpAnswer",
    "ServedCommunity",
    "StepFailure",
    "Survey",
    "SurveyAnswer",
    "SurveyAudience",
    "SurveyInvite",
    "SurveyRound",
    "User",
    "UserRole",
    "Visit",
    "VisitCadence",
    "VisitKind",
    "VisitOutcome",
    "VisitStatus",
    "VolunteerProfile",
    "VolunteerStatus",
]
