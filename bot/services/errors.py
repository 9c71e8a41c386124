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
