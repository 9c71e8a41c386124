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


class NotOnboarded(DomainError):
    """The person has not finished registering yet."""


class NotAllowed(DomainError):
    """The person's role does not allow this (a forged or forwarded button, a wrong command)."""


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
    """Another volunteer claimed it first."""


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
