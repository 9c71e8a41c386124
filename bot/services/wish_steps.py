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


async def remind_due(
    session: AsyncSession, *, clock: Clock, remind_before: timedelta
) -> list[Wish]:
    """Lit wishes whose deadline comes within `remind_before`: each donor is reminded once (a
    conditional UPDATE of `reminded_at`, so two processes never both remind)."""
    now = clock.now()
    reminded = []
    for wish_id, _version in await queries.due_reminders(session, now + remind_before):
        result = await session.execute(
            update(Wish)
            .where(Wish.id == wish_id, Wish.status == WishStatus.LIT, Wish.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            wish = await queries.get(session, wish_id)
            if wish is not None:
                reminded.append(wish)
    return reminded


async def return_lapsed(session: AsyncSession, *, clock: Clock) -> list[tuple[Wish, int | None]]:
    """Lit wishes past their deadline go back to the pool by themselves (each once), with the
    donor they had: no forgotten wishes."""
    returned = []
    for wish_id, version in await queries.lapsed(session, clock.now()):
        wish = await queries.get(session, wish_id)
        if wish is None:
            continue
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
            continue  # delivered or given back meanwhile, or another process took it
        returned.append((wish, donor_id))
    return returned


# erasure


async def erase_of(session: AsyncSession, person: User, *, clock: Clock) -> list[str]:
    """ "Delete my data": the words, voice and photo of the wishes they posted (those under way
    withdrawn), and of the thanks they sent, are erased; wishes they lit and had not brought go
    back to the pool. Returns what was erased, to be looked for in messages."""
    erased: list[str] = []
    now = clock.now()
    for wish in await queries.posted_by(session, person.id):
        erased += [v for v in (wish.description, wish.voice_file_id, wish.photo_file_id) if v]
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
