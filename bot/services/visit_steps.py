"""The scheduler's side of paired visits: write each pairing's coming visit, then claim every
visit step that is due with a conditional UPDATE (so two bot processes, or a tick racing a tap,
take a step once), and say what must be told to whom (`bot.policy.notify.visits` tells it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.checkins.round import QuietOf, quiet_of
from bot.services.schedule import QuietHours, local_date
from bot.services.visit_schedule import (
    STEP_OFFSETS,
    Schedule,
    Step,
    new_visit,
    next_occurrence,
    quiet_until,
    step_due,
)
from storage.models import Pairing, User, Visit, VisitKind
from storage.repositories import audit
from storage.repositories import visits as queries

MATERIALISE_AHEAD = timedelta(days=2)  # a visit row exists before its day-before reminder
REVEALED_FIELDS = ("address", "phone", "access_notes")


@dataclass(frozen=True)
class DueStep:
    """A step this process claimed, with what to tell whom. `remind` is False when a later step
    was due as well (a bot that was down): the later reminder says it all."""

    step: Step
    visit: Visit
    pairing: Pairing
    volunteer: User
    resident: User
    remind: bool = True
    tell_resident_after: datetime | None = None  # the resident's quiet hours, if any
    tell_resident: bool = False


async def take_due_steps(
    session: AsyncSession, *, clock: Clock, quiet: QuietHours | QuietOf
) -> list[DueStep]:
    """Write the visits of pairings coming up, then claim every visit step that is due, each
    with a conditional UPDATE; return what this process must send. `quiet`: the quiet hours of
    every community, or a function giving each pairing's community's (the scheduler's): the
    resident is told who is coming only outside their community's."""
    quiets = quiet_of(quiet)
    now = clock.now()
    await _write_coming_visits(session, now)
    taken: list[DueStep] = []
    for visit_id in await queries.visits_due(session, now):
        while True:
            visit = await queries.get_visit(session, visit_id)
            if visit is None or visit.next_due_at is None or visit.next_due_at > now:
                break
            step = visit.next_step
            following = step + 1
            if not await queries.claim_step(
                session,
                visit_id,
                step=step,
                now=now,
                next_step=following,
                next_due_at=step_due(visit, following),
            ):
                break  # another process took it
            if step not in STEP_OFFSETS or visit.status not in queries.OPEN:
                continue
            due = await _describe(session, visit, Step(step), now, quiets)
            if due is not None:
                taken.append(due)
    await session.flush()
    return taken


async def _write_coming_visits(session: AsyncSession, now: datetime) -> None:
    """Each pairing's next occurrence becomes a visit two days ahead; the process that moves the
    pairing on (a conditional UPDATE) is the one that writes it."""
    for pairing_id in await queries.pairings_due(session, now + MATERIALISE_AHEAD):
        pairing = await queries.get_pairing(session, pairing_id)
        if pairing is None or pairing.next_visit_at is None:
            continue
        resident = await session.get(User, pairing.resident_id)
        if resident is None:
            continue
        current = pairing.next_visit_at
        following = next_occurrence(
            Schedule.of(pairing),
            resident.timezone,
            after=current,
            previous=local_date(current, resident.timezone),
        )
        if await queries.advance_pairing(session, pairing.id, current=current, following=following):
            session.add(new_visit(pairing, current, now))
    await session.flush()


async def _describe(
    session: AsyncSession, visit: Visit, step: Step, now: datetime, quiet: QuietOf
) -> DueStep | None:
    pairing = await queries.get_pairing(session, visit.pairing_id)
    volunteer = await session.get(User, visit.volunteer_id)
    resident = await session.get(User, visit.resident_id)
    if pairing is None or volunteer is None or resident is None:
        return None
    next_due = step_due(visit, step + 1)
    superseded = step in (Step.DAY_BEFORE, Step.HOUR_BEFORE) and (
        next_due is not None and next_due <= now
    )
    if step is Step.FLAG:
        visit.flagged_at = now  # the step was claimed above: only this process gets here
    tell_resident = False
    after = None
    if step is Step.DAY_BEFORE and now < visit.scheduled_at:
        after = quiet_until(now, resident.timezone, quiet(pairing.community_id))
        tell_resident = after is None or after < visit.scheduled_at
    if step is Step.HOUR_BEFORE and not superseded and visit.kind is VisitKind.VISIT:
        reveal(session, volunteer, resident, visit, now=now)
    return DueStep(
        step=step,
        visit=visit,
        pairing=pairing,
        volunteer=volunteer,
        resident=resident,
        remind=not superseded,
        tell_resident_after=after,
        tell_resident=tell_resident,
    )


def reveal(
    session: AsyncSession, volunteer: User, resident: User, visit: Visit, *, now: datetime
) -> None:
    """A paired volunteer may see where the resident lives and their phone: written down each
    time it is shown."""
    audit.record(
        session,
        at=now,
        action="visit.reveal",
        actor_id=volunteer.id,
        subject_id=resident.id,
        detail={"visit_id": visit.id, "fields": list(REVEALED_FIELDS)},
    )


async def retry_step_at(session: AsyncSession, due: DueStep, at: datetime) -> None:
    """A claimed step that could not be told goes back to being the visit's next step, at `at`."""
    await queries.step_due_again(session, due.visit.id, due.step, at)
