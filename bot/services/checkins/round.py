"""The daily round: the scheduler's tick calls `take_due_steps`. Due plans become `Checkin`
rows, and each due step of a check-in (send, remind, alert the next link of the chain, tell the
coordinators the chain is exhausted) is claimed with a conditional UPDATE, so it happens once
even with two bot processes, and a bot that was down does the overdue steps when it comes back.
The steps are returned as plain values; the job tells them (through the outbox, in the same
transaction). Escalation times count from when a step really happened, so an elder whose
check-in was sent late still gets the whole grace period."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import step_failures
from bot.services.checkins.events import record_alert, record_event
from bot.services.checkins.plans import is_paused
from bot.services.schedule import QuietHours, latest_occurrence, local_date, next_occurrence
from storage.models import Checkin, CheckinContact, CheckinPlan, CheckinStatus, User
from storage.repositories import checkins as queries

MISSED_IN_ROW_FLAG = 3  # the third missed check-in in a row flags the resident
STEP_SEND = 0
STEP_REMIND = 1
STEP_FIRST_ALERT = 2
NEVER_QUIET = QuietHours.parse("off")  # alerts to the chain go out at any hour
QuietOf = Callable[[int], QuietHours]
"""A community's quiet hours, by its id: each plan's check-ins keep its community's."""


def quiet_of(quiet: QuietHours | QuietOf) -> QuietOf:
    """The same quiet hours for every community, or each community's own."""
    if isinstance(quiet, QuietHours):
        return lambda _community_id: quiet
    return quiet


class StepKind(enum.StrEnum):
    SEND = "send"  # the check-in itself, to the resident
    REMIND = "remind"  # no answer after the grace period
    ALERT = "alert"  # no answer: one link of the chain is told
    CHAIN_END = "chain_end"  # everyone was told and nobody has reached them
    SKIP = "skip"  # due in the quiet hours (the bot was down): not sent


@dataclass
class DueStep:
    """One step the scheduler has just claimed, to be told to someone."""

    kind: StepKind
    checkin: Checkin
    plan: CheckinPlan
    resident: User
    contact: CheckinContact | None = None
    contact_user: User | None = None
    repeated_misses: int = 0  # set on the first alert when the resident misses again and again
    escalated: bool = False  # this step turned the check-in escalated (its first alert)


async def take_due_steps(
    session: AsyncSession,
    *,
    clock: Clock,
    quiet: QuietHours | QuietOf,
    limit: int = 500,
    tell: Callable[[DueStep], Awaitable[None]] | None = None,
    set_aside: list[step_failures.SetAside] | None = None,
) -> list[DueStep]:
    """Claim what is due now: new check-ins from due plans, then one step of each due check-in.
    Call again until it returns nothing: a step may make the next one due at once (catching up
    after an outage), and each call takes at most `limit` of each. `quiet`: the quiet hours of
    every community, or a function giving each plan's community's (the scheduler's).

    With `tell`, the steps are taken and told in one savepoint; when one raises, each is taken
    again in a savepoint of its own: the one that raises is undone, its check-in is due again
    at the retry time, and it is appended to `set_aside`, while the others go on (see
    services.step_failures.run_round)."""
    quiets = quiet_of(quiet)
    if tell is not None:
        return await _take_and_tell(session, clock, quiets, limit, tell, set_aside)
    now = clock.now()
    claimed = await _claim_due(session, now, limit)
    steps = []
    for checkin in claimed.due:
        step = claimed.step_of(session, checkin, now, quiets)
        if step is not None:
            steps.append(step)
    await session.flush()
    return steps


@dataclass
class _Claimed:
    """The check-ins claimed in one round, with their plans, chains and people loaded at once."""

    due: list[Checkin]
    plans: dict[int, CheckinPlan]
    chains: dict[int, list[CheckinContact]]
    people: dict[int, User]

    def step_of(
        self, session: AsyncSession, checkin: Checkin, now: datetime, quiet: QuietOf
    ) -> DueStep | None:
        plan = self.plans[checkin.plan_id]
        with session.no_autoflush:
            step = take_step(
                session, checkin, plan, self.chains[plan.id], self.people[checkin.resident_id],
                now, quiet(plan.community_id),
            )  # fmt: skip
        if step is not None and step.contact is not None and step.contact.user_id:
            step.contact_user = self.people.get(step.contact.user_id)
        return step


async def _claim_due(session: AsyncSession, now: datetime, limit: int) -> _Claimed:
    """Open the check-ins of due plans, then claim the due check-ins and load what they need."""
    with session.no_autoflush:
        await _open_due_checkins(session, now, limit)
    due = list(await queries.claim_due_checkins(session, now=now, limit=limit))
    if not due:
        return _Claimed([], {}, {}, {})
    plans = await queries.plans_by_id(session, {checkin.plan_id for checkin in due})
    chains = await queries.chains(session, plans.keys())
    people_ids = {checkin.resident_id for checkin in due}
    people_ids |= {c.user_id for chain in chains.values() for c in chain if c.user_id}
    return _Claimed(due, plans, chains, await queries.people_by_id(session, people_ids))


async def _take_and_tell(
    session: AsyncSession,
    clock: Clock,
    quiet: QuietOf,
    limit: int,
    tell: Callable[[DueStep], Awaitable[None]],
    set_aside: list[step_failures.SetAside] | None,
) -> list[DueStep]:
    now = clock.now()
    claimed = await _claim_due(session, now, limit)
    round_steps: list[step_failures.Step[DueStep | None]] = []
    for checkin in claimed.due:

        async def take(checkin: Checkin = checkin) -> DueStep | None:
            step = claimed.step_of(session, checkin, now, quiet)
            if step is not None:
                await tell(step)
            return step

        async def put_back(at: datetime, checkin_id: int = checkin.id) -> None:
            await queries.due_again(session, checkin_id, at)

        round_steps.append(step_failures.Step(checkin.id, take, put_back))
    steps: list[DueStep] = []
    outcomes = await step_failures.run_round(session, job="checkin", now=now, steps=round_steps)
    for outcome in outcomes:
        if isinstance(outcome, step_failures.SetAside):
            if set_aside is not None:
                set_aside.append(outcome)
        elif outcome is not None:
            steps.append(outcome)
            if outcome.escalated:  # counted by the scheduler once committed (bot.watch)
                session.info["checkins_escalated"] = session.info.get("checkins_escalated", 0) + 1
    await session.flush()
    return steps


async def _open_due_checkins(session: AsyncSession, now: datetime, limit: int) -> None:
    """Due plans get their check-in row; the plan moves on to its next time."""
    plans = await queries.claim_due_plans(session, now=now, limit=limit)
    if not plans:
        return
    people = await queries.people_by_id(session, {plan.resident_id for plan in plans})
    for plan in plans:
        timezone = people[plan.resident_id].timezone
        since = plan.next_checkin_at
        assert since is not None
        moment = latest_occurrence(plan.times, plan.weekdays, timezone, since=since, now=now)
        plan.next_checkin_at = next_occurrence(plan.times, plan.weekdays, timezone, after=now)
        if moment is None:
            continue
        day = local_date(moment, timezone)
        checkin = Checkin(
            plan_id=plan.id,
            resident_id=plan.resident_id,
            scheduled_at=moment,
            local_date=day,
            status=CheckinStatus.SCHEDULED,
            next_step=STEP_SEND,
            next_due_at=moment,
        )
        if is_paused(plan, moment):
            checkin.status, checkin.next_due_at = CheckinStatus.PAUSED, None
        elif plan.covered_on == day:
            checkin.status, checkin.next_due_at = CheckinStatus.COVERED, None
        session.add(checkin)
    await session.flush()


def take_step(
    session: AsyncSession,
    checkin: Checkin,
    plan: CheckinPlan,
    chain: list[CheckinContact],
    resident: User,
    now: datetime,
    quiet: QuietHours,
) -> DueStep | None:
    """Do the claimed step of one check-in (its `next_due_at` was cleared by the claim) and
    set when the next one is due, counted from now."""
    step = checkin.next_step
    if step == STEP_SEND:
        if quiet.contains(now, resident.timezone):
            checkin.status = CheckinStatus.SKIPPED
            record_event(session, checkin, now, "skipped", detail={"reason": "quiet_hours"})
            return DueStep(StepKind.SKIP, checkin, plan, resident)
        checkin.status, checkin.sent_at = CheckinStatus.WAITING, now
        if plan.grace_minutes < plan.first_alert_minutes:
            checkin.next_step = STEP_REMIND
            checkin.next_due_at = now + timedelta(minutes=plan.grace_minutes)
        else:
            checkin.next_step = STEP_FIRST_ALERT
            checkin.next_due_at = now + timedelta(minutes=plan.first_alert_minutes)
        record_event(session, checkin, now, "sent", recipient_id=resident.id)
        return DueStep(StepKind.SEND, checkin, plan, resident)
    if step == STEP_REMIND:
        sent_at = checkin.sent_at or checkin.scheduled_at
        checkin.next_step = STEP_FIRST_ALERT
        checkin.next_due_at = max(sent_at + timedelta(minutes=plan.first_alert_minutes), now)
        if quiet.contains(now, resident.timezone):
            record_event(
                session, checkin, now, "reminder_skipped", detail={"reason": "quiet_hours"}
            )
            return None
        record_event(session, checkin, now, "reminded", recipient_id=resident.id)
        return DueStep(StepKind.REMIND, checkin, plan, resident)
    link = step - STEP_FIRST_ALERT
    checkin.next_step = step + 1
    if link >= len(chain):
        record_event(session, checkin, now, "chain_end")
        return DueStep(StepKind.CHAIN_END, checkin, plan, resident)
    checkin.next_due_at = now + timedelta(minutes=plan.alert_every_minutes)
    first = checkin.status is not CheckinStatus.ESCALATED and link == 0
    if checkin.status is not CheckinStatus.HELP:
        checkin.status = CheckinStatus.ESCALATED
    checkin.escalated_at = checkin.escalated_at or now
    contact = chain[link]
    record_alert(session, checkin, contact, now, {"position": link})
    repeated = 0
    if first:
        plan.missed_in_row += 1
        if plan.missed_in_row >= MISSED_IN_ROW_FLAG:
            repeated = plan.missed_in_row
    return DueStep(
        StepKind.ALERT, checkin, plan, resident, contact, repeated_misses=repeated, escalated=first
    )
