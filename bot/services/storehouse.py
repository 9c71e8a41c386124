"""The storehouse (义仓): goods a community's coordinators keep for its households.

Every movement is a line of an append-only log (`store_movements`): goods received (a batch,
with its expiry date for food, from a named donor, anonymous, or a pledge) and goods given to a
household. Each item keeps its stock, changed in the same savepoint as the log line by one
conditional UPDATE (`stock = stock - q WHERE stock >= q`): of many coordinators giving the last
bags at once, those the stock cannot cover are refused, the stock never goes below zero and
always equals the log's sum. Expiry is tracked per batch: gifts are taken from the batches that
expire first (derived from the log, nothing is rewritten). No Telegram here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.communities import require_within
from bot.services.errors import DomainError, InvalidInput
from bot.services.users import clean_text
from storage.models import (
    Household,
    MovementKind,
    StoreItem,
    StoreMovement,
    StorePledge,
    User,
)
from storage.repositories import audit
from storage.repositories import households as household_queries
from storage.repositories import storehouse as queries

QUANTITY_MAX = 100_000
NAME_MAX = 32
UNIT_MAX = 12
DONOR_MAX = 64
EXPIRING_WITHIN = timedelta(days=7)


class StoreError(DomainError):
    """The storehouse said no; nothing was written."""


class ItemNotFound(StoreError):
    """No such item in the coordinator's communities (a forged or stale button)."""


class HouseholdNotFound(StoreError):
    pass


class NotEnoughStock(StoreError):
    """The stock cannot cover the gift (someone else may have given the last of it)."""

    def __init__(self, item: StoreItem, stock: int) -> None:
        super().__init__(item.id, stock)
        self.item = item
        self.stock = stock


class WishNotLightable(StoreError):
    """Not an open wish for a thing of this community (lit by someone else meanwhile)."""


class PledgeNotFound(StoreError):
    """No such pledge of this item (a forged or stale button, or it was stopped)."""


class QuantityInvalid(InvalidInput):
    pass


class ItemNameInvalid(InvalidInput):
    """An empty name or unit, or one that is too long."""


class ItemNameTaken(InvalidInput):
    def __init__(self, item: StoreItem) -> None:
        super().__init__(item.id)
        self.item = item


# ---- who keeps it ---------------------------------------------------------------------------


async def keeper_of(
    session: AsyncSession, settings: Settings | None, person: User | None, community_id: int
) -> User:
    person = require(person, Action.KEEP_STORE)
    await require_within(session, settings, person, community_id)
    return person


async def item_for(
    session: AsyncSession, settings: Settings | None, person: User | None, item_id: int
) -> tuple[User, StoreItem]:
    """The item, for a keeper of its community (else ItemNotFound: a forged button)."""
    person = require(person, Action.KEEP_STORE)
    item = await session.get(StoreItem, item_id)
    if item is None:
        raise ItemNotFound()
    try:
        await require_within(session, settings, person, item.community_id)
    except DomainError:
        raise ItemNotFound() from None
    return person, item


async def items_of(
    session: AsyncSession, person: User | None, community_id: int, settings: Settings | None
) -> list[StoreItem]:
    await keeper_of(session, settings, person, community_id)
    return await queries.items(session, community_id)


async def households_for(
    session: AsyncSession, person: User | None, community_id: int, settings: Settings | None
) -> list[Household]:
    await keeper_of(session, settings, person, community_id)
    return await household_queries.listed(session, [community_id])


async def local_today(
    session: AsyncSession, settings: Settings, community_id: int, now: datetime
) -> date:
    timezone = (await communities.tree(session, settings)).settings(community_id).timezone
    return now.astimezone(ZoneInfo(timezone)).date()


# ---- what people type -----------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,7}")


def parse_quantity(text: str | None) -> int | None:
    """ "10", "10 kg", "十"... a whole number of the item's unit, or None."""
    found = _NUMBER.findall((text or "").replace(",", ""))
    if len(found) != 1 or not 1 <= int(found[0]) <= QUANTITY_MAX:
        return None
    return int(found[0])


def quantity(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= QUANTITY_MAX:
        raise QuantityInvalid()
    return value


_DATE = re.compile(r"^(?:(\d{4})\s*[-./年]\s*)?(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?$")


def parse_date(text: str | None, today: date) -> date | None:
    """ "2026-03-15", "3-15", "3/15", "3月15日": a date; without a year, the next such day
    from today (an expiry date or a first due date lies ahead)."""
    match = _DATE.match((text or "").strip())
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        found = date(year or today.year, month or 0, day or 0)
        if year is None and found < today:
            found = date(today.year + 1, found.month, found.day)
    except ValueError:
        return None
    return found


def clean_name(text: str | None, limit: int) -> str:
    cleaned = clean_text(text or "")
    if not cleaned or len(cleaned) > limit:
        raise ItemNameInvalid()
    return cleaned


async def pledge_for_item(session: AsyncSession, pledge_id: int, item: StoreItem) -> StorePledge:
    pledge = await session.get(StorePledge, pledge_id)
    if pledge is None or pledge.item_id != item.id or pledge.stopped_at is not None:
        raise PledgeNotFound()
    return pledge


# ---- items and movements --------------------------------------------------------------------


async def add_item(
    session: AsyncSession,
    person: User | None,
    *,
    community_id: int,
    name: str,
    unit: str,
    is_food: bool,
    low_at: int,
    now: datetime,
    settings: Settings | None = None,
) -> StoreItem:
    """A new kind of goods (its stock starts at nothing); one name per community."""
    person = await keeper_of(session, settings, person, community_id)
    name, unit = clean_name(name, NAME_MAX), clean_name(unit, UNIT_MAX)
    if isinstance(low_at, bool) or not 0 <= low_at <= QUANTITY_MAX:
        raise QuantityInvalid()
    taken = await queries.item_named(session, community_id, name)
    if taken is not None:
        raise ItemNameTaken(taken)
    item = StoreItem(
        community_id=community_id, name=name, unit=unit, is_food=is_food, low_at=low_at,
        stock=0, created_at=now, created_by_id=person.id,
    )  # fmt: skip
    session.add(item)
    await session.flush()
    return item


def _audit(session: AsyncSession, movement: StoreMovement, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        action=f"store.{movement.kind.value}",
        actor_id=movement.by_id,
        subject_id=None,
        detail={
            "movement_id": movement.id,
            "item_id": movement.item_id,
            "quantity": movement.quantity,
            "household_id": movement.household_id,
            "wish_id": movement.wish_id,
        },
    )


async def record_received(
    session: AsyncSession,
    person: User | None,
    *,
    item_id: int,
    quantity_received: int,
    expires_on: date | None,
    donor: str | None,
    now: datetime,
    settings: Settings | None = None,
    pledge_id: int | None = None,
) -> StoreMovement:
    """A batch came in: from a donor (named for the coordinators only), anonymous, or a
    pledge of this item (`pledge_id`; the donor is then the pledger)."""
    person, item = await item_for(session, settings, person, item_id)
    amount = quantity(quantity_received)
    if pledge_id is not None:
        await pledge_for_item(session, pledge_id, item)
    movement = StoreMovement(
        community_id=item.community_id, item_id=item.id, kind=MovementKind.RECEIVED,
        quantity=amount, expires_on=expires_on if item.is_food else None,
        donor=clean_text(donor or "")[:DONOR_MAX] or None, pledge_id=pledge_id,
        by_id=person.id, at=now,
    )  # fmt: skip
    async with session.begin_nested():
        stock = await queries.put(session, item.id, amount)
        session.add(movement)
        await session.flush()
    set_committed_value(item, "stock", stock)  # the UPDATE changed it; never written back
    _audit(session, movement, now)
    return movement


async def give(
    session: AsyncSession,
    item: StoreItem,
    amount: int,
    *,
    household_id: int,
    by: User,
    now: datetime,
    wish_id: int | None = None,
) -> StoreMovement:
    """Take `amount` and write its line, in one savepoint: refused whole (NotEnoughStock)
    when the stock, as it is at that moment, cannot cover it."""
    movement = StoreMovement(
        community_id=item.community_id, item_id=item.id, kind=MovementKind.GIVEN,
        quantity=quantity(amount), household_id=household_id, wish_id=wish_id,
        by_id=by.id, at=now,
    )  # fmt: skip
    async with session.begin_nested():
        left = await queries.take(session, item.id, amount)
        if left is None:
            await session.refresh(item, ["stock"])
            raise NotEnoughStock(item, item.stock)
        session.add(movement)
        await session.flush()
    set_committed_value(item, "stock", left)  # the UPDATE changed it; never written back
    _audit(session, movement, now)
    return movement


async def give_to_household(
    session: AsyncSession,
    person: User | None,
    *,
    item_id: int,
    household_id: int,
    quantity_given: int,
    now: datetime,
    settings: Settings | None = None,
) -> StoreMovement:
    person, item = await item_for(session, settings, person, item_id)
    household = await household_queries.get(session, household_id)
    if household is None or household.community_id != item.community_id:
        raise HouseholdNotFound()
    return await give(session, item, quantity_given, household_id=household.id, by=person, now=now)


# ---- what is in stock -----------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    expires_on: date | None
    left: int


@dataclass(frozen=True)
class ItemStock:
    item: StoreItem
    batches: tuple[Batch, ...]  # what is left of each batch received, first to expire first
    low: bool  # at or below its threshold
    expiring: int  # how much of it expires within EXPIRING_WITHIN (or has expired)
    expires_first: date | None


def remaining(received: list[StoreMovement], given: int) -> list[Batch]:
    """What is left of each batch when the gifts are taken from the batches that expire
    first (batches without a date last, older ones first)."""
    order = sorted(received, key=lambda m: (m.expires_on is None, m.expires_on or date.max, m.id))
    left: list[Batch] = []
    for movement in order:
        used = min(given, movement.quantity)
        given -= used
        if movement.quantity - used:
            left.append(Batch(movement.expires_on, movement.quantity - used))
    return left


def stock_of(item: StoreItem, batches: list[Batch], today: date) -> ItemStock:
    soon = today + EXPIRING_WITHIN
    expiring = sum(b.left for b in batches if b.expires_on is not None and b.expires_on <= soon)
    dated = [b.expires_on for b in batches if b.expires_on is not None]
    return ItemStock(
        item=item,
        batches=tuple(batches),
        low=item.stock <= item.low_at,
        expiring=expiring,
        expires_first=min(dated) if dated else None,
    )


async def stock_view(
    session: AsyncSession,
    person: User | None,
    community_id: int,
    *,
    now: datetime,
    settings: Settings,
) -> list[ItemStock]:
    """Every item with its stock and flags: low stock, food expiring within a week."""
    found = await items_of(session, person, community_id, settings)
    if not found:
        return []
    ids = [item.id for item in found]
    received: dict[int, list[StoreMovement]] = {item_id: [] for item_id in ids}
    for movement in await queries.received_batches(session, ids):
        received[movement.item_id].append(movement)
    given = await queries.given_totals(session, ids)
    today = await local_today(session, settings, community_id, now)
    return [
        stock_of(item, remaining(received[item.id], given.get(item.id, 0)), today) for item in found
    ]
