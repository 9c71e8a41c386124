"""Daily check-ins of residents who live alone, and what happens when one goes unanswered.

A `CheckinPlan` says when (one to four local times on chosen days) and who is told (its chain).
The scheduler's tick calls `take_due_steps`: due plans become `Checkin` rows, and each due step
of a check-in (send, remind, alert the next link of the chain, tell the coordinators the chain
is exhausted) is claimed with a conditional UPDATE, so it happens once even with two bot
processes, and a bot that was down does the overdue steps when it comes back. The steps are
returned as plain values; the job turns them into messages (through the outbox, in the same
transaction). Escalation times count from when a step really happened, so an elder whose
check-in was sent late still gets the whole grace period.

Nothing here knows Telegram."""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import requests as request_service
from bot.services import step_failures
from bot.services.errors import (
    CheckinAnswered,
    CheckinNotFound,
    CheckinTaken,
    CheckinTimesInvalid,
    NameEmpty,
    NotAllowed,
    PauseDateInvalid,
    PhoneInvalid,
)
from bot.services.schedule import (
    EVERY_DAY,
    QuietHours,
    latest_occurrence,
    local_date,
    local_moment,
    next_occurrence,
    parse_time,
    time_label,
)
from bot.services.users import clean_name, normalise_phone
from storage.models import (
    Checkin,
    CheckinContact,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    RequestCategory,
    User,
    UserRole,
)
from storage.repositories import audit
from storage.repositories import checkins as queries
from storage.repositories import users as user_queries

MAX_TIMES = 4
MAX_PAUSE_DAYS = 120
MISSED_IN_ROW_FLAG = 3  # the third missed check-in in a row flags the resident
STEP_SEND = 0
STEP_REMIND = 1
STEP_FIRST_ALERT = 2
CLOSED = (
    CheckinStatus.FINE,
    CheckinStatus.PROXY,
    CheckinStatus.REACHED,
    CheckinStatus.PAUSED,
    CheckinStatus.COVERED,
    CheckinStatus.SKIPPED,
)
ALERTED = (CheckinStatus.ESCALATED, CheckinStatus.HELP)
NEVER_QUIET = QuietHours.parse("off")  # alerts to the chain go out at any hour


class StepKind(enum.StrEnum):
    SEND = "send"  # the check-in itself, to the resident
    REMIND = "remind"  # no answer after the grace period
    ALERT = "alert"  # no answer: one link of the chain is told
    CHAIN_END = "chain_end"  # everyone was told and nobody has reached them
    SKIP = "skip"  # due in the quiet hours (the bot was down): not sent


@dataclass(frozen=True)
class Timing:
    grace_minutes: int = 30
    first_alert_minutes: int = 60
    alert_every_minutes: int = 60


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


@dataclass
class Outcome:
    """What an answer changed, and who must hear of it: everyone alerted so far."""

    checkin: Checkin
    resident: User
    was_alerted: bool
    alerted: list[User] = field(default_factory=list)
    coordinators_alerted: bool = False
    actor: User | None = None


@dataclass(frozen=True)
class ContactDraft:
    """A link of the chain as a coordinator or resident gives it."""

    kind: ContactKind
    user_id: int | None = None
    name: str | None = None
    phone: str | None = None


# --- plans ---------------------------------------------------------------------------------


def clean_times(texts: Sequence[str], quiet: QuietHours) -> list[str]:
    """One to four distinct local times, outside the quiet hours, in order."""
    try:
        times = sorted({parse_time(text) for text in texts})
    except ValueError:
        raise CheckinTimesInvalid() from None
    if not 1 <= len(times) <= MAX_TIMES or not all(quiet.clock_time_allowed(t) for t in times):
        raise CheckinTimesInvalid()
    return [time_label(moment) for moment in times]


_TYPED_CONTACT_RE = re.compile(
    r"^(?P<name>.+?)[\s,，:：;；]+(?P<phone>\+?[\d][\d\s\-().]{4,})$", re.S
)


def contact_from_text(text: str) -> tuple[str, str]:
    """ "Li Na 138 0013 8000" -> ("Li Na", "13800138000"), by the rules of names and numbers
    (NameEmpty, NameTooLong, PhoneInvalid)."""
    match = _TYPED_CONTACT_RE.match(text.strip())
    if match is None:
        if text.strip() and not any(ch.isdigit() for ch in text):
            raise PhoneInvalid()
        raise NameEmpty()
    draft = phone_contact(match.group("name"), match.group("phone"))
    assert draft.name is not None and draft.phone is not None
    return draft.name, draft.phone


def phone_contact(name: str, phone: str) -> ContactDraft:
    """An emergency contact without Telegram, whom the coordinators will call."""
    return ContactDraft(ContactKind.PHONE, name=clean_name(name), phone=normalise_phone(phone))


async def propose_plan(
    session: AsyncSession,
    author: User,
    resident: User,
    *,
    times: Sequence[str],
    weekdays: Sequence[int] = EVERY_DAY,
    contacts: Sequence[ContactDraft] = (),
    timing: Timing = Timing(),
    quiet: QuietHours,
    clock: Clock,
) -> CheckinPlan:
    """A coordinator (or the resident themselves) writes a plan; nothing is sent until the
    resident has seen who will be told and agreed. The coordinators are always in the chain."""
    if author.id != resident.id:
        request_service.require_role(author, UserRole.COORDINATOR)
    if resident.role is not UserRole.RESIDENT or not resident.is_onboarded:
        raise NotAllowed()
    days = sorted({day for day in weekdays if 0 <= day <= 6})
    if not days:
        raise CheckinTimesInvalid()
    cleaned = clean_times(times, quiet)
    now = clock.now()
    plan = await queries.plan_of(session, resident.id)
    if plan is None:
        plan = CheckinPlan(resident_id=resident.id, created_at=now)
        session.add(plan)
    plan.status = CheckinPlanStatus.PROPOSED
    plan.times = cleaned
    plan.weekdays = days
    plan.grace_minutes = timing.grace_minutes
    plan.first_alert_minutes = timing.first_alert_minutes
    plan.alert_every_minutes = timing.alert_every_minutes
    plan.next_checkin_at = None
    plan.agreed_at = None
    plan.created_by_id = author.id
    plan.updated_at = now
    await session.flush()
    chain = [draft for draft in contacts if draft.kind is not ContactKind.COORDINATORS]
    volunteers = [d for d in chain if d.kind is ContactKind.VOLUNTEER]
    others = [d for d in chain if d.kind is not ContactKind.VOLUNTEER]
    # Who can knock on the door first, then the coordinators, then family.
    ordered = [*volunteers, ContactDraft(ContactKind.COORDINATORS), *others]
    await queries.replace_chain(
        session,
        plan.id,
        [
            CheckinContact(kind=d.kind, user_id=d.user_id, name=d.name, phone=d.phone, position=0)
            for d in ordered
        ],
    )
    return plan


async def plan_for(session: AsyncSession, resident_id: int) -> CheckinPlan | None:
    return await queries.plan_of(session, resident_id)


async def chain_of(session: AsyncSession, plan: CheckinPlan) -> list[CheckinContact]:
    return (await queries.chains(session, [plan.id])).get(plan.id, [])


async def agree_to_plan(
    session: AsyncSession, resident: User, plan_id: int, *, clock: Clock
) -> CheckinPlan:
    """The resident agrees: check-ins start at the next planned time."""
    plan = await _own_plan(session, resident, plan_id)
    if plan.status is not CheckinPlanStatus.PROPOSED:
        raise CheckinAnswered()
    now = clock.now()
    if not await queries.set_plan_status_if(  # two taps at once: one agrees
        session, plan.id, CheckinPlanStatus.PROPOSED, CheckinPlanStatus.ACTIVE
    ):
        raise CheckinAnswered()
    plan.status = CheckinPlanStatus.ACTIVE
    plan.agreed_at = now
    plan.updated_at = now
    plan.missed_in_row = 0
    plan.next_checkin_at = next_occurrence(plan.times, plan.weekdays, resident.timezone, after=now)
    audit.record(
        session, at=now, action="checkin.agreed", actor_id=resident.id, subject_id=resident.id
    )
    await session.flush()
    return plan


async def stop_plan(
    session: AsyncSession, actor: User, resident: User, *, clock: Clock
) -> CheckinPlan:
    """The resident declines or ends their check-ins, or a coordinator ends them."""
    if actor.id != resident.id:
        request_service.require_role(actor, UserRole.COORDINATOR)
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is CheckinPlanStatus.STOPPED:
        raise CheckinNotFound()
    now = clock.now()
    plan.status = CheckinPlanStatus.STOPPED
    plan.next_checkin_at = None
    plan.updated_at = now
    for checkin in await queries.open_of_resident(session, resident.id):
        checkin.next_due_at = None
        if checkin.status is CheckinStatus.SCHEDULED:
            checkin.status = CheckinStatus.SKIPPED
    audit.record(
        session, at=now, action="checkin.stopped", actor_id=actor.id, subject_id=resident.id
    )
    await session.flush()
    return plan


async def _own_plan(session: AsyncSession, resident: User, plan_id: int) -> CheckinPlan:
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.id != plan_id:
        raise CheckinNotFound()
    return plan


async def pause_until(
    session: AsyncSession, resident: User, back_on: date, *, clock: Clock
) -> CheckinPlan:
    """ "I'm away until ...": no check-in before the morning of `back_on` (local); they start
    again by themselves. Being able to say so means they are fine now: open ones are closed."""
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        raise CheckinNotFound()
    now = clock.now()
    today = local_date(now, resident.timezone)
    if not today < back_on <= today + timedelta(days=MAX_PAUSE_DAYS):
        raise PauseDateInvalid()
    plan.paused_until = local_moment(back_on, time(0), resident.timezone)
    plan.updated_at = now
    for checkin in await queries.open_of_resident(session, resident.id):
        await _close(session, checkin, CheckinStatus.FINE, resident, now, action="paused")
    await session.flush()
    return plan


async def resume(session: AsyncSession, resident: User, *, clock: Clock) -> CheckinPlan:
    """Back earlier than said."""
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        raise CheckinNotFound()
    plan.paused_until = None
    plan.updated_at = clock.now()
    await session.flush()
    return plan


def is_paused(plan: CheckinPlan, now: datetime) -> bool:
    return plan.paused_until is not None and plan.paused_until > now


# --- the scheduler's steps -----------------------------------------------------------------


async def take_due_steps(
    session: AsyncSession,
    *,
    clock: Clock,
    quiet: QuietHours,
    limit: int = 500,
    tell: Callable[[DueStep], Awaitable[None]] | None = None,
    set_aside: list[step_failures.SetAside] | None = None,
) -> list[DueStep]:
    """Claim what is due now: new check-ins from due plans, then one step of each due check-in.
    Call again until it returns nothing: a step may make the next one due at once (catching up
    after an outage), and each call takes at most `limit` of each.

    With `tell`, each step is taken and told in a savepoint of its own: one that raises is
    undone, its check-in is due again at the retry time, and it is appended to `set_aside`,
    while the others go on (see services.step_failures)."""
    if tell is not None:
        return await _take_and_tell(session, clock, quiet, limit, tell, set_aside)
    now = clock.now()
    claimed = await _claim_due(session, now, limit)
    steps = []
    for checkin in claimed.due:
        step = claimed.step_of(session, checkin, now, quiet)
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
        self, session: AsyncSession, checkin: Checkin, now: datetime, quiet: QuietHours
    ) -> DueStep | None:
        plan = self.plans[checkin.plan_id]
        with session.no_autoflush:
            step = _take_step(
                session, checkin, plan, self.chains[plan.id], self.people[checkin.resident_id],
                now, quiet,
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
    quiet: QuietHours,
    limit: int,
    tell: Callable[[DueStep], Awaitable[None]],
    set_aside: list[step_failures.SetAside] | None,
) -> list[DueStep]:
    now = clock.now()
    claimed = await _claim_due(session, now, limit)
    steps: list[DueStep] = []
    for checkin in claimed.due:

        async def take(checkin: Checkin = checkin) -> DueStep | None:
            step = claimed.step_of(session, checkin, now, quiet)
            if step is not None:
                await tell(step)
            return step

        async def put_back(at: datetime, checkin_id: int = checkin.id) -> None:
            await queries.due_again(session, checkin_id, at)

        outcome = await step_failures.run_step(
            session, job="checkin", row_id=checkin.id, now=now, step=take, put_back=put_back
        )
        if isinstance(outcome, step_failures.SetAside):
            if set_aside is not None:
                set_aside.append(outcome)
        elif outcome is not None:
            steps.append(outcome)
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


def _take_step(
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
            _event(session, checkin, now, "skipped", detail={"reason": "quiet_hours"})
            return DueStep(StepKind.SKIP, checkin, plan, resident)
        checkin.status, checkin.sent_at = CheckinStatus.WAITING, now
        if plan.grace_minutes < plan.first_alert_minutes:
            checkin.next_step = STEP_REMIND
            checkin.next_due_at = now + timedelta(minutes=plan.grace_minutes)
        else:
            checkin.next_step = STEP_FIRST_ALERT
            checkin.next_due_at = now + timedelta(minutes=plan.first_alert_minutes)
        _event(session, checkin, now, "sent", recipient_id=resident.id)
        return DueStep(StepKind.SEND, checkin, plan, resident)
    if step == STEP_REMIND:
        sent_at = checkin.sent_at or checkin.scheduled_at
        checkin.next_step = STEP_FIRST_ALERT
        checkin.next_due_at = max(sent_at + timedelta(minutes=plan.first_alert_minutes), now)
        if quiet.contains(now, resident.timezone):
            _event(session, checkin, now, "reminder_skipped", detail={"reason": "quiet_hours"})
            return None
        _event(session, checkin, now, "reminded", recipient_id=resident.id)
        return DueStep(StepKind.REMIND, checkin, plan, resident)
    link = step - STEP_FIRST_ALERT
    checkin.next_step = step + 1
    if link >= len(chain):
        _event(session, checkin, now, "chain_end")
        return DueStep(StepKind.CHAIN_END, checkin, plan, resident)
    checkin.next_due_at = now + timedelta(minutes=plan.alert_every_minutes)
    first = checkin.status is not CheckinStatus.ESCALATED and link == 0
    if checkin.status is not CheckinStatus.HELP:
        checkin.status = CheckinStatus.ESCALATED
    checkin.escalated_at = checkin.escalated_at or now
    contact = chain[link]
    _record_alert(session, checkin, contact, now, {"position": link})
    repeated = 0
    if first:
        plan.missed_in_row += 1
        if plan.missed_in_row >= MISSED_IN_ROW_FLAG:
            repeated = plan.missed_in_row
    return DueStep(StepKind.ALERT, checkin, plan, resident, contact, repeated_misses=repeated)


def _record_alert(
    session: AsyncSession,
    checkin: Checkin,
    contact: CheckinContact,
    now: datetime,
    detail: dict[str, object],
) -> None:
    """Who was alerted is who hears how it ends; a person alerted is shown the resident's
    address and phone, which the audit log keeps."""
    _event(
        session,
        checkin,
        now,
        "alerted",
        recipient_id=contact.user_id,
        contact_id=contact.id,
        detail={"kind": contact.kind.value, **detail},
    )
    if contact.user_id is not None:
        audit.record(
            session,
            at=now,
            action="checkin.reveal",
            actor_id=contact.user_id,
            subject_id=checkin.resident_id,
            detail={"checkin_id": checkin.id},
        )


def _event(
    session: AsyncSession,
    checkin: Checkin,
    at: datetime,
    action: str,
    *,
    actor_id: int | None = None,
    recipient_id: int | None = None,
    contact_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    queries.add_event(
        session,
        checkin_id=checkin.id,
        at=at,
        action=action,
        actor_id=actor_id,
        recipient_id=recipient_id,
        contact_id=contact_id,
        detail=dict(detail or {}),
    )


# --- answers -------------------------------------------------------------------------------


async def answer_fine(
    session: AsyncSession, resident: User, checkin_id: int, *, clock: Clock
) -> Outcome:
    """ "I'm fine 👍". A late answer clears the alert; everyone alerted is to be told."""
    checkin = await _own_checkin(session, resident, checkin_id)
    was_alerted = checkin.status in ALERTED
    if checkin.status is CheckinStatus.HELP:
        raise CheckinAnswered()
    now = clock.now()
    if not await _close(session, checkin, CheckinStatus.FINE, resident, now, action="fine"):
        raise CheckinAnswered()
    plan = await queries.plan_of(session, resident.id)
    if plan is not None and not was_alerted:
        plan.missed_in_row = 0
    return await _outcome(session, checkin, resident, was_alerted, resident)


async def answer_need_help(
    session: AsyncSession, resident: User, checkin_id: int, *, clock: Clock
) -> tuple[Outcome, int]:
    """ "I need help 🙋": an urgent request, and the whole chain is alerted at once. Returns the
    outcome and the request's id. Allowed even after "I'm fine" (things change in a day)."""
    checkin = await _own_checkin(session, resident, checkin_id, closed_ok=True)
    if checkin.status is CheckinStatus.HELP:
        raise CheckinAnswered()
    now = clock.now()
    was_alerted = checkin.status is CheckinStatus.ESCALATED
    request = await request_service.submit_emergency(
        session, resident, category=RequestCategory.OTHER, clock=clock
    )
    if not await queries.set_if_status(
        session,
        checkin.id,
        [s for s in CheckinStatus if s is not CheckinStatus.HELP],
        status=CheckinStatus.HELP,
        answered_at=now,
        answered_by_id=resident.id,
        request_id=request.id,
        next_due_at=None,
        escalated_at=checkin.escalated_at or now,
    ):
        raise CheckinAnswered()
    await session.refresh(checkin)
    _event(session, checkin, now, "need_help", actor_id=resident.id)
    plan = await queries.plan_of(session, resident.id)
    chain = await chain_of(session, plan) if plan else []
    for contact in chain:
        _record_alert(session, checkin, contact, now, {"need_help": True})
    await session.flush()
    outcome = await _outcome(session, checkin, resident, was_alerted, resident)
    return outcome, request.id


async def _own_checkin(
    session: AsyncSession, resident: User, checkin_id: int, *, closed_ok: bool = False
) -> Checkin:
    checkin = await queries.get(session, checkin_id)
    if checkin is None or checkin.resident_id != resident.id:
        raise CheckinNotFound()
    if checkin.status in CLOSED and not closed_ok:
        raise CheckinAnswered()
    return checkin


async def _close(
    session: AsyncSession,
    checkin: Checkin,
    status: CheckinStatus,
    actor: User,
    now: datetime,
    *,
    action: str,
    detail: dict[str, object] | None = None,
) -> bool:
    """Close an open (or alerted) check-in once; False when someone closed it first."""
    if not await queries.set_if_status(
        session,
        checkin.id,
        [*queries.OPEN, CheckinStatus.HELP] if status is CheckinStatus.REACHED else queries.OPEN,
        status=status,
        answered_at=now,
        answered_by_id=actor.id,
        next_due_at=None,
    ):
        return False
    await session.refresh(checkin)
    _event(session, checkin, now, action, actor_id=actor.id, detail=detail)
    await session.flush()
    return True


async def _outcome(
    session: AsyncSession, checkin: Checkin, resident: User, was_alerted: bool, actor: User
) -> Outcome:
    outcome = Outcome(checkin, resident, was_alerted, actor=actor)
    if not was_alerted and checkin.status is not CheckinStatus.HELP:
        return outcome
    ids: list[int] = []
    for event in await queries.events_of(session, checkin.id):
        if event.action != "alerted":
            continue
        if event.detail.get("kind") == ContactKind.COORDINATORS.value or (
            event.detail.get("kind") == ContactKind.PHONE.value
        ):
            outcome.coordinators_alerted = True
        if event.recipient_id and event.recipient_id not in ids and event.recipient_id != actor.id:
            ids.append(event.recipient_id)
    people = await queries.people_by_id(session, ids)
    outcome.alerted = [people[i] for i in ids if i in people]
    return outcome


# --- the chain's answers -------------------------------------------------------------------


async def _alerted_checkin(session: AsyncSession, actor: User, checkin_id: int) -> Checkin:
    """A check-in `actor` may act on: they were alerted to it, or they are a coordinator."""
    checkin = await queries.get(session, checkin_id)
    if checkin is None:
        raise CheckinNotFound()
    if actor.role is UserRole.COORDINATOR and actor.is_onboarded:
        return checkin
    if not any(
        event.action == "alerted" and event.recipient_id == actor.id
        for event in await queries.events_of(session, checkin.id)
    ):
        raise NotAllowed()
    return checkin


async def take_on(session: AsyncSession, actor: User, checkin_id: int, *, clock: Clock) -> Outcome:
    """ "I'm handling it": one person takes it; the chain waits a round for their report before
    the next link is alerted."""
    checkin = await _alerted_checkin(session, actor, checkin_id)
    if checkin.status not in ALERTED:
        raise CheckinAnswered()
    if checkin.handler_id is not None:
        if checkin.handler_id == actor.id:
            raise CheckinAnswered()
        handler = await session.get(User, checkin.handler_id)
        raise CheckinTaken(handler.display_name if handler else None)
    now = clock.now()
    plan = await session.get(CheckinPlan, checkin.plan_id)
    every = timedelta(minutes=plan.alert_every_minutes if plan else 60)
    next_due = now + every if checkin.next_due_at is not None else None
    if not await queries.take_handling(session, checkin.id, actor.id, now=now, next_due=next_due):
        await session.refresh(checkin)
        handler = await session.get(User, checkin.handler_id) if checkin.handler_id else None
        raise CheckinTaken(handler.display_name if handler else None)
    await session.refresh(checkin)
    _event(session, checkin, now, "handling", actor_id=actor.id)
    await session.flush()
    resident = await session.get(User, checkin.resident_id)
    assert resident is not None
    return await _outcome(session, checkin, resident, True, actor)


async def report_reached(
    session: AsyncSession, actor: User, checkin_id: int, *, clock: Clock
) -> Outcome:
    """ "Reached them, all well": closes the check-in; everyone alerted is told."""
    checkin = await _alerted_checkin(session, actor, checkin_id)
    resident = await session.get(User, checkin.resident_id)
    assert resident is not None
    was_alerted = checkin.status in ALERTED
    now = clock.now()
    if not await _close(session, checkin, CheckinStatus.REACHED, actor, now, action="reached"):
        raise CheckinAnswered()
    return await _outcome(session, checkin, resident, was_alerted, actor)


async def report_not_reached(
    session: AsyncSession, actor: User, checkin_id: int, *, clock: Clock
) -> tuple[Outcome, DueStep | None]:
    """ "Could not reach them": recorded, the hold is released, and the next link of the chain
    is alerted at once (returned as the step to tell), unless the chain is already at its end."""
    checkin = await _alerted_checkin(session, actor, checkin_id)
    if checkin.status not in ALERTED:
        raise CheckinAnswered()
    now = clock.now()
    walking = checkin.next_due_at is not None
    if not await queries.set_if_status(
        session, checkin.id, ALERTED, handler_id=None, handled_at=None, next_due_at=None
    ):
        raise CheckinAnswered()
    await session.refresh(checkin)
    _event(session, checkin, now, "not_reached", actor_id=actor.id)
    resident = await session.get(User, checkin.resident_id)
    plan = await session.get(CheckinPlan, checkin.plan_id)
    assert resident is not None and plan is not None
    step = None
    if walking:
        chain = await chain_of(session, plan)
        step = _take_step(session, checkin, plan, chain, resident, now, NEVER_QUIET)
        if step is not None and step.contact is not None and step.contact.user_id:
            step.contact_user = await session.get(User, step.contact.user_id)
    await session.flush()
    return await _outcome(session, checkin, resident, True, actor), step


# --- on someone's behalf -------------------------------------------------------------------


async def may_check_in_for(session: AsyncSession, actor: User, resident_id: int) -> bool:
    """Coordinators, and the volunteers in the resident's chain."""
    if actor.role is UserRole.COORDINATOR and actor.is_onboarded:
        return True
    plan = await queries.plan_of(session, resident_id)
    if plan is None:
        return False
    return any(
        contact.user_id == actor.id and contact.kind is ContactKind.VOLUNTEER
        for contact in await chain_of(session, plan)
    )


async def check_in_for(
    session: AsyncSession,
    actor: User,
    resident_id: int,
    *,
    kind: str = "call",
    clock: Clock,
) -> list[Outcome]:
    """ "I called her, she's fine": today's open check-ins are answered on her behalf, and the
    rest of today's are not sent. Coordinators and the volunteers of her chain may."""
    if not await may_check_in_for(session, actor, resident_id):
        raise NotAllowed()
    return await _cover_today(session, actor, resident_id, kind=kind, clock=clock)


async def count_contact_as_checkin(
    session: AsyncSession, resident_id: int, actor: User, *, kind: str, clock: Clock
) -> list[Outcome]:
    """A logged visit or call counts as that day's check-in. Called by the visits service,
    which has already checked that `actor` holds the visit."""
    if await queries.plan_of(session, resident_id) is None:
        return []
    return await _cover_today(session, actor, resident_id, kind=kind, clock=clock)


async def _cover_today(
    session: AsyncSession, actor: User, resident_id: int, *, kind: str, clock: Clock
) -> list[Outcome]:
    resident = await session.get(User, resident_id)
    plan = await queries.plan_of(session, resident_id)
    if resident is None or plan is None:
        raise CheckinNotFound()
    now = clock.now()
    today = local_date(now, resident.timezone)
    plan.covered_on = today
    plan.missed_in_row = 0
    outcomes = []
    for checkin in await queries.open_of_resident(session, resident_id, on=today):
        was_alerted = checkin.status in ALERTED
        if await _close(
            session, checkin, CheckinStatus.PROXY, actor, now, action="proxy", detail={"kind": kind}
        ):
            outcomes.append(await _outcome(session, checkin, resident, was_alerted, actor))
    await session.flush()
    return outcomes


async def add_volunteer_to_chain(
    session: AsyncSession, resident_id: int, volunteer_id: int, *, clock: Clock
) -> None:
    """A volunteer paired with the resident becomes the first link of their chain."""
    plan = await queries.plan_of(session, resident_id)
    if plan is None:
        return
    chain = await chain_of(session, plan)
    if any(c.user_id == volunteer_id and c.kind is ContactKind.VOLUNTEER for c in chain):
        return
    first = CheckinContact(kind=ContactKind.VOLUNTEER, user_id=volunteer_id, position=0)
    rebuilt = [
        CheckinContact(kind=c.kind, user_id=c.user_id, name=c.name, phone=c.phone, position=0)
        for c in chain
    ]
    await queries.replace_chain(session, plan.id, [first, *rebuilt])
    plan.updated_at = clock.now()


# --- the coordinators' view ----------------------------------------------------------------


class BoardState(enum.StrEnum):
    ANSWERED = "answered"
    PENDING = "pending"  # sent and waiting, or not yet due today
    ESCALATED = "escalated"
    PAUSED = "paused"


@dataclass(frozen=True)
class BoardLine:
    resident: User
    state: BoardState
    checkin: Checkin | None


async def today_board(session: AsyncSession, *, clock: Clock, timezone: str) -> list[BoardLine]:
    """Each enrolled resident and how today stands: escalated first, then pending, paused,
    answered."""
    now = clock.now()
    plans = await queries.active_plans(session)
    people = await queries.people_by_id(session, {plan.resident_id for plan in plans})
    today = local_date(now, timezone)
    latest = await queries.latest_of_plans_on(session, today, [plan.id for plan in plans])
    lines = []
    for plan in plans:
        checkin = latest.get(plan.id)
        if is_paused(plan, now) or (checkin and checkin.status is CheckinStatus.PAUSED):
            state = BoardState.PAUSED
        elif checkin is None or checkin.status in (CheckinStatus.SCHEDULED, CheckinStatus.WAITING):
            state = BoardState.PENDING
        elif checkin.status in ALERTED:
            state = BoardState.ESCALATED
        else:
            state = BoardState.ANSWERED
        lines.append(BoardLine(people[plan.resident_id], state, checkin))
    order = [BoardState.ESCALATED, BoardState.PENDING, BoardState.PAUSED, BoardState.ANSWERED]
    lines.sort(key=lambda line: (order.index(line.state), line.resident.display_name or ""))
    return lines


async def unreachable_enrolled(session: AsyncSession, *, clock: Clock) -> list[User]:
    """Enrolled residents who have blocked the bot, each returned once (until they unblock)."""
    await queries.clear_unreachable_flags(session)
    found = []
    now = clock.now()
    for plan, resident in await queries.unflagged_unreachable(session):
        plan.unreachable_flagged_at = now
        found.append(resident)
    await session.flush()
    return found


# --- set-up screens (handlers/checkin_setup.py) --------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """One link of a chain as people are shown it: a name, and how they are reached."""

    kind: ContactKind
    name: str | None
    phone: str | None = None  # only for coordinators' eyes


async def residents_to_enrol(
    session: AsyncSession, coordinator: User, *, name: str | None, limit: int, offset: int
) -> tuple[list[User], int]:
    """Registered residents without active check-ins, a page at a time, for /enrol."""
    request_service.require_role(coordinator, UserRole.COORDINATOR)
    query = user_queries.registered_residents().where(User.id.not_in(queries.active_resident_ids()))
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


async def volunteers_for_chain(
    session: AsyncSession, coordinator: User, *, name: str | None, limit: int, offset: int
) -> tuple[list[User], int]:
    """Approved volunteers a coordinator can put first in a chain, a page at a time."""
    request_service.require_role(coordinator, UserRole.COORDINATOR)
    query = user_queries.approved_volunteers()
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


async def describe_chain(session: AsyncSession, plan: CheckinPlan) -> list[ChainLink]:
    """The plan's chain in order, with the names of the people in it."""
    chain = await chain_of(session, plan)
    people = await queries.people_by_id(session, {c.user_id for c in chain if c.user_id})
    links = []
    for contact in chain:
        person = people.get(contact.user_id) if contact.user_id else None
        name = person.display_name if person else contact.name
        links.append(ChainLink(contact.kind, name, contact.phone))
    return links


async def residents_watched_by(session: AsyncSession, volunteer: User) -> set[int]:
    """Residents whose active chain names this volunteer: the ones they may check in for."""
    return set(await queries.residents_with_volunteer(session, volunteer.id))
