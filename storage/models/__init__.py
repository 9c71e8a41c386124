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
    ServedCommunity,
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
from storage.models.visits import Pairing, Visit, VisitCadence, VisitKind, VisitOutcome, VisitStatus
from storage.models.wishes import (
    CampaignCounter,
    Wish,
    WishCampaign,
    WishDelivery,
    WishKind,
    WishStatus,
)

__all__ = [
    "NAMING_CONVENTION",
    "Audience",
    "AuditEvent",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "CallBack",
    "CampaignCounter",
    "CardAudience",
    "Checkin",
    "CheckinContact",
    "CheckinEvent",
    "CheckinPlan",
    "CheckinPlanStatus",
    "CheckinStatus",
    "Community",
    "CommunityLevel",
    "ContactKind",
    "DayPart",
    "EventResponse",
    "FsmState",
    "GroupChat",
    "HelpRequest",
    "Household",
    "Invite",
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
    "User",
    "UserRole",
    "Visit",
    "VisitCadence",
    "VisitKind",
    "VisitOutcome",
    "VisitStatus",
    "VolunteerProfile",
    "VolunteerStatus",
    "Wish",
    "WishCampaign",
    "WishDelivery",
    "WishKind",
    "WishStatus",
]
