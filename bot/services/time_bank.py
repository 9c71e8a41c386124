"""The time bank (爱心时间) as a person reads it: their balance, this month, and their entries
page by page. Crediting is `ledger.credit_time` (a finished task, a logged visit, time given
by anyone); this module only reads, and only one's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, is_helper, is_registered, may, require
from bot.services import ledger
from bot.services.claims import MAX_MINUTES
from bot.services.communities import require_within, scope_of
from bot.services.errors import MinutesInvalid, NotAllowed
from storage.models import AccountOwner, Household, LedgerUnit, User
from storage.repositories import households as household_queries
from storage.repositories import ledger as ledger_queries
from storage.repositories.ledger import StatementLine

PAGE_SIZE = 5


@dataclass(frozen=True)
class TimePage:
    summary: ledger.TimeSummary
    lines: list[StatementLine]
    offset: int  # of the first line shown (0: the newest)
    timezone: str
    household: tuple[str, int] | None = None  # their household's code and the time it gave
    may_record: bool = False  # a coordinator: may record time a household gave
    may_certify: bool = False  # a helper with time credited: may get an hours certificate


def month_start(person: User, clock: Clock) -> datetime:
    """The first moment of this month in the person's own timezone."""
    local_now = clock.now().astimezone(ZoneInfo(person.timezone))
    return datetime(local_now.year, local_now.month, 1, tzinfo=local_now.tzinfo)


async def my_time(
    session: AsyncSession, person: User | None, *, clock: Clock, offset: int = 0
) -> TimePage:
    """One's own time account: volunteers and coordinators always, anyone else once time
    they gave was credited (`NotAllowed` before)."""
    if not is_registered(person):
        raise NotAllowed()
    assert person is not None
    summary = await ledger.time_summary(session, person.id, month_start=month_start(person, clock))
    household = await _household_time(session, person)
    if not is_helper(person) and summary.entries == 0 and household is None:
        raise NotAllowed()
    offset = max(0, min(offset, max(summary.entries - 1, 0)))
    lines = await ledger.time_statement(session, person.id, limit=PAGE_SIZE, offset=offset)
    return TimePage(
        summary=summary,
        lines=lines,
        offset=offset,
        timezone=person.timezone,
        household=household,
        may_record=may(person, Action.MANAGE_HOUSEHOLDS),
        may_certify=may(person, Action.GET_CERTIFICATE) and summary.balance > 0,
    )


async def _household_time(session: AsyncSession, person: User) -> tuple[str, int] | None:
    """The time their household gave back, if any was recorded."""
    household = await household_queries.get(session, person.household_id)
    if household is None:
        return None
    key = ledger.account_key(
        AccountOwner.HOUSEHOLD, household.community_id, LedgerUnit.MINUTES, household.id
    )
    account = await ledger_queries.account_by_key(session, key)
    if account is None:
        return None
    return household.code, await ledger.balance_of(session, account)


async def record_time_given(
    session: AsyncSession,
    coordinator: User | None,
    household_id: int,
    minutes: int,
    *,
    now: datetime,
    source: str,
    settings: Settings | None = None,
) -> Household:
    """A coordinator records time a household gave back (a resident who was helped, helping
    in turn): credited to the household's time account from the pool, once per `source`."""
    coordinator = require(coordinator, Action.MANAGE_HOUSEHOLDS)
    household = await household_queries.get(session, household_id)
    if household is None:
        raise NotAllowed()
    await require_within(session, settings, coordinator, household.community_id)
    if not 1 <= minutes <= MAX_MINUTES:
        raise MinutesInvalid()
    await ledger.credit_time(
        session,
        community_id=household.community_id,
        household_id=household.id,
        minutes=minutes,
        now=now,
        source=source,
        by_id=coordinator.id,
    )
    return household


async def households_to_credit(
    session: AsyncSession, coordinator: User | None, settings: Settings | None = None
) -> list[Household]:
    coordinator = require(coordinator, Action.MANAGE_HOUSEHOLDS)
    return await household_queries.listed(session, await scope_of(session, settings, coordinator))
