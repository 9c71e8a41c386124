"""The time bank (爱心时间) as a person reads it: their balance, this month, and their entries
page by page. Crediting is `ledger.credit_time` (a finished task, a logged visit, time given
by anyone); this module only reads, and only one's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.policy.permissions import is_helper, is_registered
from bot.services import ledger
from bot.services.errors import NotAllowed
from storage.models import User
from storage.repositories.ledger import StatementLine

PAGE_SIZE = 5


@dataclass(frozen=True)
class TimePage:
    summary: ledger.TimeSummary
    lines: list[StatementLine]
    offset: int  # of the first line shown (0: the newest)
    timezone: str


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
    if not is_helper(person) and summary.entries == 0:
        raise NotAllowed()
    offset = max(0, min(offset, max(summary.entries - 1, 0)))
    lines = await ledger.time_statement(session, person.id, limit=PAGE_SIZE, offset=offset)
    return TimePage(summary=summary, lines=lines, offset=offset, timezone=person.timezone)
