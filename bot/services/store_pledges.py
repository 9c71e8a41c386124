"""Pledges to the storehouse: a household or a shop promises a recurring gift ("一袋米 每月").

A pledge is due every N days (7: weekly) or monthly on the day it started. When it is due,
the household's members who use the bot get a friendly reminder: the job's claim moves
`next_due_on` on by one period with a conditional UPDATE, so two processes never remind
twice, and a bot that was down for weeks reminds once, not once per missed period. Goods
received can be matched to a pledge; the coordinators read, for a month, what each pledge
should have brought against what came in."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import communities
from bot.services.storehouse import (
    DONOR_MAX,
    PledgeNotFound,
    StoreError,
    clean_name,
    item_for,
    keeper_of,
    quantity,
)
from storage.models import Household, PledgeCadence, StoreItem, StorePledge, User
from storage.repositories import audit
from storage.repositories import households as household_queries
from storage.repositories import storehouse as queries

EVERY_DAYS_MAX = 366
REMIND_AT = time(9, 0)  # the community's morning of the due day


class CadenceInvalid(StoreError):
    pass


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(pledge: StorePledge, since: date, until: date) -> list[date]:
    """The days the pledge is due on from `since` to before `until`."""
    found: list[date] = []
    for n in range(10_000):
        if pledge.cadence is PledgeCadence.MONTHLY:
            day = _add_months(pledge.starts_on, n)
        else:
            day = pledge.starts_on + timedelta(days=n * pledge.every_days)
        if day >= until:
            break
        if day >= since:
            found.append(day)
    return found


def next_due_after(pledge: StorePledge, day: date) -> date:
    """The first day the pledge is due after `day`."""
    if pledge.cadence is PledgeCadence.MONTHLY:
        months = (day.year - pledge.starts_on.year) * 12 + day.month - pledge.starts_on.month
        for n in range(max(months, 0), max(months, 0) + 3):
            if (found := _add_months(pledge.starts_on, n)) > day:
                return found
    periods = max((day - pledge.starts_on).days // max(pledge.every_days, 1) + 1, 1)
    return pledge.starts_on + timedelta(days=periods * pledge.every_days)


async def add_pledge(
    session: AsyncSession,
    person: User | None,
    *,
    item_id: int,
    household_id: int | None,
    shop_name: str | None,
    quantity_pledged: int,
    cadence: PledgeCadence,
    every_days: int,
    starts_on: date,
    now: datetime,
    settings: Settings | None = None,
) -> StorePledge:
    """A coordinator records a pledge: of a household of the item's community, or of a shop
    they name."""
    person, item = await item_for(session, settings, person, item_id)
    shop = None
    if household_id is not None:
        household = await household_queries.get(session, household_id)
        if household is None or household.community_id != item.community_id:
            raise PledgeNotFound()
    else:
        shop = clean_name(shop_name, DONOR_MAX)
    if cadence is PledgeCadence.DAYS and not 1 <= every_days <= EVERY_DAYS_MAX:
        raise CadenceInvalid()
    pledge = StorePledge(
        community_id=item.community_id, item_id=item.id, household_id=household_id,
        shop_name=shop, quantity=quantity(quantity_pledged), cadence=cadence,
        every_days=every_days if cadence is PledgeCadence.DAYS else 0,
        starts_on=starts_on, next_due_on=starts_on, created_at=now, created_by_id=person.id,
    )  # fmt: skip
    session.add(pledge)
    await session.flush()
    audit.record(
        session, at=now, action="store.pledge", actor_id=person.id, subject_id=None,
        detail={"pledge_id": pledge.id, "item_id": item.id, "household_id": household_id},
    )  # fmt: skip
    return pledge


@dataclass(frozen=True)
class PledgeLine:
    pledge: StorePledge
    item: StoreItem
    household: Household | None
    expected: int  # what it should bring in the month
    received: int  # what came in for it in the month


async def pledges_of(
    session: AsyncSession,
    person: User | None,
    community_id: int,
    *,
    now: datetime,
    settings: Settings,
) -> list[PledgeLine]:
    """The community's pledges, next due first, with this month's expected against received."""
    await keeper_of(session, settings, person, community_id)
    found = await queries.pledges(session, community_id)
    if not found:
        return []
    timezone = ZoneInfo((await communities.tree(session, settings)).settings(community_id).timezone)
    local = now.astimezone(timezone)
    first = date(local.year, local.month, 1)
    after = _add_months(first, 1)
    since = datetime.combine(first, time(), tzinfo=timezone)
    until = datetime.combine(after, time(), tzinfo=timezone)
    received = await queries.pledged_received(session, [p.id for p in found], since, until)
    lines = []
    for pledge in found:
        item = await session.get(StoreItem, pledge.item_id)
        assert item is not None
        lines.append(
            PledgeLine(
                pledge=pledge,
                item=item,
                household=await household_queries.get(session, pledge.household_id),
                expected=len(due_dates(pledge, first, after)) * pledge.quantity,
                received=received.get(pledge.id, 0),
            )
        )
    return lines


async def pledges_for_item(session: AsyncSession, item: StoreItem) -> list[StorePledge]:
    return [p for p in await queries.pledges(session, item.community_id) if p.item_id == item.id]


def pledger_name(pledge: StorePledge, household: Household | None) -> str:
    """How the coordinators know who pledged: the household's code and label, or the shop."""
    if household is not None:
        return f"{household.code} · {household.label}"
    return pledge.shop_name or "—"


@dataclass(frozen=True)
class DueReminder:
    pledge: StorePledge
    item: StoreItem
    members: list[User]


async def take_due_reminders(
    session: AsyncSession, settings: Settings, now: datetime
) -> list[DueReminder]:
    """Pledges due today (from the community's morning on), each claimed once: the claim
    moves it on to its next due day after today. A household's members who use the bot are
    to be reminded; a shop's pledge is only moved on (the coordinators remind a shop)."""
    tree = await communities.tree(session, settings)
    due: list[DueReminder] = []
    for pledge in await queries.pledges_due(session, (now + timedelta(days=1)).date()):
        local = now.astimezone(ZoneInfo(tree.settings(pledge.community_id).timezone))
        if (local.date(), local.time()) < (pledge.next_due_on, REMIND_AT):
            continue
        after = next_due_after(pledge, local.date())
        if not await queries.move_due_on(session, pledge.id, pledge.next_due_on, after):
            continue  # another process reminded
        await session.refresh(pledge)
        item = await session.get(StoreItem, pledge.item_id)
        assert item is not None
        members = (
            await household_queries.members(session, pledge.household_id)
            if pledge.household_id is not None
            else []
        )
        due.append(DueReminder(pledge, item, members))
    return due
