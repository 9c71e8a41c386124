"""Households: the homes a community looks after, and the code that stands for one.

A wish, a fund payout or a case file is about a household, and may be about someone who has no
phone: a coordinator opens the household for them. Anything shown beyond the household's
community's coordinators names it by its code only ("A17"): the code says nothing of who
lives there, in what building, or since when (it is the community's next free number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy.permissions import Action, require
from bot.services.communities import require_within
from bot.services.errors import InvalidInput, NotOnboarded
from storage.models import Household, User
from storage.repositories import audit
from storage.repositories import households as queries

LABEL_MAX = 128
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud over the phone, they are 1 and 0
_PER_LETTER = 999


class HouseholdLabelInvalid(InvalidInput):
    """A household's label is empty or longer than LABEL_MAX."""


def code_for(number: int) -> str:
    """The code of a community's `number`-th household: A1 … A999, B1 … (1-based)."""
    letter, rest = divmod(number - 1, _PER_LETTER)
    return f"{_LETTERS[letter % len(_LETTERS)]}{rest + 1}"


def _number_of(code: str) -> int:
    letter = _LETTERS.find(code[:1])
    digits = code[1:]
    if letter < 0 or not digits.isdigit():
        return 0
    return letter * _PER_LETTER + int(digits)


async def open_household(
    session: AsyncSession,
    *,
    community_id: int,
    label: str,
    now: datetime,
    by: User | None = None,
    place_id: int | None = None,
    address: str | None = None,
) -> Household:
    """Open a household in a community under its next free code. `by`: the coordinator who
    opened it (checked: their community must cover this one), or None when linli opens one for
    a person of their own (see `household_of`)."""
    label = label.strip()
    if not label or len(label) > LABEL_MAX:
        raise HouseholdLabelInvalid
    if by is not None:
        require(by, Action.MANAGE_HOUSEHOLDS)
        await require_within(session, None, by, community_id)
    for _ in range(5):  # another coordinator may take the same number at the same moment
        taken = await queries.codes(session, community_id)
        number = max((_number_of(code) for code in taken), default=0) + 1
        household = Household(
            community_id=community_id,
            code=code_for(number),
            label=label,
            place_id=place_id,
            address=address,
            created_at=now,
            created_by_id=by.id if by is not None else None,
        )
        try:
            async with session.begin_nested():
                session.add(household)
                await session.flush()
        except IntegrityError:
            continue
        audit.record(
            session,
            at=now,
            action="household.opened",
            actor_id=by.id if by is not None else None,
            subject_id=None,
            detail={"household_id": household.id, "community_id": community_id},
        )
        return household
    raise RuntimeError("no free household code after five tries")


async def household_named(session: AsyncSession, household_id: int | None) -> Household | None:
    """The household a record the caller may see already names (a payout, a pledge, a wish):
    for its code and label on the card drawn for that caller."""
    return await queries.get(session, household_id) if household_id is not None else None


async def household_of(session: AsyncSession, person: User, *, now: datetime) -> Household:
    """The household `person` lives in, opened for them (under their name) if they have none
    yet: a resident who posts a wish or is given time has a home to record it against."""
    if person.household_id is not None:
        household = await queries.get(session, person.household_id)
        if household is not None:
            return household
    if person.community_id is None or not person.is_onboarded:
        raise NotOnboarded
    household = await open_household(
        session,
        community_id=person.community_id,
        label=person.display_name or "—",
        now=now,
        place_id=person.place_id,
    )
    person.household_id = household.id
    return household


async def join(session: AsyncSession, household: Household, person: User, *, by: User) -> None:
    """A coordinator records that `person` lives in `household` (same community only)."""
    require(by, Action.MANAGE_HOUSEHOLDS)
    await require_within(session, None, by, household.community_id)
    if person.community_id != household.community_id:
        raise InvalidInput
    person.household_id = household.id
