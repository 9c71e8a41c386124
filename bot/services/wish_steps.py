"""Small wishes over time and on "delete my data": a donor reminded before the deadline, a
wish not brought by then back in the pool by itself (each once: conditional UPDATEs, so two
processes never both act), and what a person wrote in wishes and thanks erased."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.wishes import UNDER_WAY, WishChanged, change
from storage.models import User, Wish, WishStatus
from storage.repositories import wishes as queries

# the scheduler


async def reminders_due(
    session: AsyncSession, *, clock: Clock, remind_before: timedelta
) -> list[int]:
    """Lit wishes whose deadline comes within `remind_before` and whose donor was not reminded."""
    return [
        wish_id for wish_id, _ in await queries.due_reminders(session, clock.now() + remind_before)
    ]


async def remind_one(session: AsyncSession, wish_id: int, *, clock: Clock) -> Wish | None:
    """Take the reminder of one lit wish: a conditional UPDATE of `reminded_at`, so of two
    processes only one reminds. None: not due any more, or taken by another."""
    result = await session.execute(
        update(Wish)
        .where(Wish.id == wish_id, Wish.status == WishStatus.LIT, Wish.reminded_at.is_(None))
        .values(reminded_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await queries.get(session, wish_id)


async def lapses_due(session: AsyncSession, *, clock: Clock) -> list[tuple[int, int]]:
    """(id, version) of lit wishes past their deadline."""
    return await queries.lapsed(session, clock.now())


async def lapse_one(
    session: AsyncSession, wish_id: int, version: int, *, clock: Clock
) -> tuple[Wish, int | None] | None:
    """A lit wish past its deadline goes back to the pool by itself, with the donor it had (no
    forgotten wishes). None: delivered or given back meanwhile, or another process took it."""
    wish = await queries.get(session, wish_id)
    if wish is None:
        return None
    donor_id = wish.donor_id
    try:
        await change(
            session, wish, expect=WishStatus.LIT, version=version, clock=clock,
            values={
                "status": WishStatus.OPEN, "donor_id": None, "due_at": None,
                "reminded_at": None, "times_lapsed": Wish.times_lapsed + 1,
            },
            actor=None, action="lapsed",
        )  # fmt: skip
    except WishChanged:
        return None
    return wish, donor_id


async def remind_due(
    session: AsyncSession, *, clock: Clock, remind_before: timedelta
) -> list[Wish]:
    """Every reminder due, each taken once (what the job does row by row)."""
    due = await reminders_due(session, clock=clock, remind_before=remind_before)
    return [wish for wish_id in due if (wish := await remind_one(session, wish_id, clock=clock))]


async def return_lapsed(session: AsyncSession, *, clock: Clock) -> list[tuple[Wish, int | None]]:
    """Every lapse due, each taken once (what the job does row by row)."""
    due = await lapses_due(session, clock=clock)
    return [
        found
        for wish_id, version in due
        if (found := await lapse_one(session, wish_id, version, clock=clock))
    ]


# erasure


async def erase_of(session: AsyncSession, person: User, *, clock: Clock) -> list[str]:
    """ "Delete my data": the words, voice and photo of the wishes they posted (those under way
    withdrawn; not those a coordinator wrote for a household), and of the thanks they sent,
    are erased; wishes they lit and had not brought go
    back to the pool. Returns what was erased, to be looked for in messages."""
    erased: list[str] = []
    now = clock.now()
    for wish in await queries.posted_by(session, person.id):
        if wish.for_someone:  # a coordinator's words for a household are that household's
            continue
        erased += [
            value
            for value in (wish.description, wish.address_as, wish.voice_file_id, wish.photo_file_id)
            if value and value != "—"
        ]
        if wish.status in UNDER_WAY:
            wish.status = WishStatus.CANCELLED
            wish.version += 1
        wish.description, wish.voice_file_id, wish.photo_file_id = "", None, None
        wish.address_as = "—"
        wish.updated_at = now
    thanked = await queries.thanked_by(session, person.id)
    if person.household_id is not None:
        thanked += await queries.of_household(session, person.household_id)
    for wish in thanked:
        erased += [
            v for v in (wish.thanks_text, wish.thanks_voice_file_id, wish.thanks_photo_file_id) if v
        ]
        wish.thanks_text = wish.thanks_voice_file_id = wish.thanks_photo_file_id = None
    for wish in await queries.lit_by(session, person.id):
        if wish.status is WishStatus.LIT:
            wish.status, wish.donor_id, wish.due_at = WishStatus.OPEN, None, None
            wish.reminded_at = None
            wish.version += 1
    await session.flush()
    return erased
