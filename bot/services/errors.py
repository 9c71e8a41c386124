"""Domain errors. Services raise them; handlers turn each into a kind, translated answer."""


class DomainError(Exception):
    """A rule of the domain said no. The class says which rule; no Telegram wording here."""


class InvalidInput(DomainError):
    """What the person typed cannot be used as it is."""


class NameEmpty(InvalidInput):
    pass


class NameTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class PhoneInvalid(InvalidInput):
    pass


class AreaEmpty(InvalidInput):
    pass


class AreaTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class InviteInvalid(DomainError):
    """No such code (mistyped, forged, or belonging to another bot)."""


class InviteExpired(DomainError):
    pass


class InviteUsed(DomainError):
    pass


class InviteBelowRole(DomainError):
    """A coordinator opened an invitation for a lesser role: they keep theirs, and the invite
    stays unused for the person it was meant for."""


class NotOnboarded(DomainError):
    """The person has not finished registering yet."""


class NotAllowed(DomainError):
    """The person's role does not allow this (a forged or forwarded button, a wrong command)."""


class OutsideCommunity(NotAllowed):
    """The record belongs to a community the person does not act in: answered like a forged
    or stale button (the person may do this, just not there)."""


class DescriptionEmpty(InvalidInput):
    pass


class TextTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class DayOutOfRange(InvalidInput):
    """The chosen day is in the past or too far ahead."""


class RequestNotFound(DomainError):
    """No such request, or not one this person may see: the two look the same on purpose."""


class RequestChanged(DomainError):
    """The request moved on since the button was drawn (someone else acted first)."""

    def __init__(self, request_id: int) -> None:
        super().__init__(request_id)
        self.request_id = request_id


class InvalidTransition(RequestChanged):
    """The request is in a status from which this step is not possible."""


class TaskTaken(RequestChanged):
    """Another volunteer claimed it first; `claimed_from` is where they pressed, as the caller
    of the winning claim named it (None: not known)."""

    def __init__(self, request_id: int, claimed_from: str | None = None) -> None:
        super().__init__(request_id)
        self.claimed_from = claimed_from


class TaskUnavailable(RequestChanged):
    """The task is no longer open: cancelled, done, rejected or not yet approved."""


class NotYourTask(DomainError):
    pass


class TooManyClaims(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class VolunteerNotApproved(DomainError):
    """A volunteer waits for (or was declined) a coordinator's approval."""


class RatingInvalid(InvalidInput):
    pass


class MinutesInvalid(InvalidInput):
    pass


class CheckinNotFound(DomainError):
    """No such check-in or plan, or not this person's (a forged or stale button)."""


class CheckinAnswered(DomainError):
    """The check-in is already answered or closed; the button is stale or was tapped twice."""


class CheckinTaken(DomainError):
    """Someone else is already handling this missed check-in."""

    def __init__(self, handler_name: str | None) -> None:
        super().__init__(handler_name)
        self.handler_name = handler_name


class CheckinTimesInvalid(InvalidInput):
    """No time, more than four, or one in the quiet hours."""


class CheckinTimeAtNight(CheckinTimesInvalid):
    """A time in the quiet hours, when no check-in is sent."""


class CheckinLimitReached(InvalidInput):
    """A plan holds at most `limit` of these (times, volunteers, people to phone)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class CheckinPlanActive(DomainError):
    """The resident already has active check-ins: a new plan is never written over them."""

    def __init__(self, resident_name: str | None) -> None:
        super().__init__(resident_name)
        self.resident_name = resident_name


class PauseDateInvalid(InvalidInput):
    """Not a date, in the past, or too far ahead."""


# ---- paired visits ----------------------------------------------------------------------------


class VisitNotFound(DomainError):
    """No such visit, or not one this person may act on: the two look the same on purpose."""


class NotYourVisit(DomainError):
    """The visit belongs to another volunteer (a forwarded or forged button)."""


class VisitChanged(DomainError):
    """The visit moved on since the button was drawn: cancelled, logged, or already confirmed."""

    def __init__(self, visit_id: int, status: str) -> None:
        super().__init__(visit_id, status)
        self.visit_id = visit_id
        self.status = status


class VisitNotYet(DomainError):
    """A visit cannot be logged before its time."""


class PairingExists(DomainError):
    """This volunteer is already paired with this resident."""


class PairingPersonInvalid(DomainError):
    """The chosen person is no longer a registered resident or an approved volunteer."""


class VisitTimeInvalid(InvalidInput):
    """Not a time of day like 10:00."""


class VisitDayInvalid(InvalidInput):
    """Not a weekday, or not a day of the month from 1 to 28."""


class SafetyCodeInvalid(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class WellbeingInvalid(InvalidInput):
    pass


class PlaceNotFound(DomainError):
    """No such place, or it is hidden (a stale or forged button)."""


class PlaceExists(InvalidInput):
    """Another place shown to people already has this name."""


class CallBackNotFound(DomainError):
    """No such call back (a forged button)."""


class CallBackDone(DomainError):
    """Someone already marked this call back made."""


class ConcernNotFound(DomainError):
    """No such concern (a forged button)."""


class ConcernChanged(DomainError):
    """The concern changed since its card was drawn (a double tap, a stale card, or closed)."""


class FollowUpNotFound(DomainError):
    pass


class FollowUpDone(DomainError):
    """Already marked done (a double tap, or someone else did)."""


class SurveyNotFound(DomainError):
    """No such survey question for this person, or the round has closed."""


class SurveyAnswered(DomainError):
    """That question was answered already (a double tap, an old button)."""
