"""What a volunteer does with a task: claim it, set off, finish it, or give it back.

Only the volunteer who holds a task sees its exact address and the resident's phone, and each
time they are shown it is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, may
from bot.services import ledger
from bot.services.communities import scope_of
from bot.services.errors import (
    DomainError,
    InvalidTransition,
    MinutesInvalid,
    NotYourTask,
    RequestChanged,
    RequestNotFound,
    TaskTaken,
    TaskUnavailable,
    TooManyClaims,
)
from bot.services.requests import change_status
from bot.services.volunteers import approved_volunteer, within
from storage.models import HelpRequest, RequestStatus, User
from storage.repositories import audit
from storage.repositories import requests as request_queries
from storage.repositories import users as user_queries

MAX_MINUTES = 24 * 60
REVEALED_FIELDS = ("address", "phone", "access_notes")


@dataclass(frozen=True)
class Task:
    """A held task with what its volunteer may see."""

    request: HelpRequest
    resident: User


async def open_tasks(
    session: AsyncSession,
    volunteer: User | None,
    *,
    settings: Settings,
    limit: int = 5,
    offset: int = 0,
) -> tuple[list[HelpRequest], int]:
    """Open tasks an approved volunteer may browse (no addresses here), and how many in all:
    those of the communities they serve, and no other's."""
    volunteer = await approved_volunteer(session, volunteer)
    serves = await scope_of(session, settings, volunteer)
    tasks = await request_queries.open_tasks(session, serves, limit=limit, offset=offset)
    return tasks, await request_queries.count_open_tasks(session, serves)


async def _task_served(
    session: AsyncSession, settings: Settings | None, volunteer: User, request_id: int
) -> HelpRequest:
    """The task, if it is of a community the volunteer serves: another community's is
    refused like a forged button, always (`settings` may be None: a scope needs none)."""
    request = await request_queries.get(session, request_id)
    if request is None:
        raise RequestNotFound()
    await within(session, settings, volunteer, request.community_id)
    return request


async def visible_task(
    session: AsyncSession, volunteer: User | None, request_id: int, *, settings: Settings
) -> HelpRequest:
    """An open task as a volunteer may see it before claiming."""
    volunteer = await approved_volunteer(session, volunteer)
    request = await _task_served(session, settings, volunteer, request_id)
    if request.status is not RequestStatus.OPEN:
        raise _why_not_open(request)
    return request


def _why_not_open(request: HelpRequest) -> RequestChanged:
    if request.status in request_queries.HELD:
        return TaskTaken(request.id)
    return TaskUnavailable(request.id)


async def _not_open(session: AsyncSession, request: HelpRequest) -> RequestChanged:
    """Why a claim failed; for a held task, with where its claim was pressed."""
    error = _why_not_open(request)
    if isinstance(error, TaskTaken):
        claims = [
            e for e in await request_queries.events_of(session, request.id) if e.action == "claimed"
        ]
        error.claimed_from = (claims[-1].detail or {}).get("from") if claims else None
    return error


async def reveal(
    session: AsyncSession, volunteer: User, request: HelpRequest, *, clock: Clock
) -> Task:
    """Hand the resident's details to the volunteer holding the task, writing it down."""
    resident = await user_queries.get_by_id(session, request.resident_id)
    if resident is None:
        raise RequestNotFound()
    audit.record(
        session,
        at=clock.now(),
        action="request.reveal",
        actor_id=volunteer.id,
        subject_id=resident.id,
        detail={"request_id": request.id, "fields": list(REVEALED_FIELDS)},
    )
    await session.flush()
    return Task(request=request, resident=resident)


async def claim_task(
    session: AsyncSession,
    volunteer: User | None,
    request_id: int,
    *,
    clock: Clock,
    max_open_claims: int,
    claimed_from: str | None = None,
    settings: Settings | None = None,
) -> Task:
    """Exactly one of several volunteers tapping at once wins: the claim is a conditional UPDATE
    on `status = open`, which also checks the volunteer holds fewer than `max_open_claims`.
    `claimed_from` (where the volunteer pressed) is kept with the claim, and the losers' TaskTaken
    carries it: a caller can tell a press on the very message the winner pressed from another.
    Only a task of a community the volunteer serves can be theirs."""
    volunteer = await approved_volunteer(session, volunteer)
    request = await _task_served(session, settings, volunteer, request_id)
    if request.status is not RequestStatus.OPEN:
        raise await _not_open(session, request)
    held = await request_queries.held_by(session, volunteer.id)
    if len(held) >= max_open_claims:
        raise TooManyClaims(max_open_claims)
    now = clock.now()
    try:
        await change_status(
            session,
            request,
            RequestStatus.CLAIMED,
            actor=volunteer,
            action="claimed",
            clock=clock,
            values={"volunteer_id": volunteer.id, "claimed_at": now, "overdue_flagged_at": None},
            extra_condition=request_queries.held_count_below(volunteer.id, max_open_claims),
            detail={"from": claimed_from} if claimed_from else None,
        )
    except RequestChanged:
        if request.status is RequestStatus.OPEN:  # lost only on the claim limit
            raise TooManyClaims(max_open_claims) from None
        raise await _not_open(session, request) from None
    return await reveal(session, volunteer, request, clock=clock)


async def held_task(session: AsyncSession, volunteer: User | None, request_id: int) -> HelpRequest:
    """The task, if this volunteer holds it now."""
    volunteer = await approved_volunteer(session, volunteer)
    request = await request_queries.get(session, request_id)
    if request is None:
        raise RequestNotFound()
    if not may(volunteer, Action.HOLD_TASK, request):
        raise NotYourTask()
    if request.status not in request_queries.HELD:
        raise InvalidTransition(request.id)
    return request


async def holds_task(session: AsyncSession, volunteer: User | None, request_id: int) -> bool:
    """Whether this volunteer holds the task now."""
    try:
        await held_task(session, volunteer, request_id)
    except DomainError:
        return False
    return True


async def show_task(
    session: AsyncSession, volunteer: User | None, request_id: int, *, clock: Clock
) -> Task:
    """The full details of a task the volunteer holds (a reveal, so it is logged)."""
    request = await held_task(session, volunteer, request_id)
    assert volunteer is not None
    return await reveal(session, volunteer, request, clock=clock)


async def start_task(
    session: AsyncSession, volunteer: User | None, request_id: int, *, clock: Clock
) -> HelpRequest:
    """ "On my way"."""
    request = await held_task(session, volunteer, request_id)
    if request.status is RequestStatus.IN_PROGRESS:
        return request  # a second tap changes nothing
    return await change_status(
        session, request, RequestStatus.IN_PROGRESS, actor=volunteer, action="started", clock=clock
    )


async def complete_task(
    session: AsyncSession, volunteer: User | None, request_id: int, minutes: int, *, clock: Clock
) -> HelpRequest:
    """Done, with the time spent, credited to the volunteer's time account in the same
    transaction (once: the credit's source is the request)."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise MinutesInvalid()
    request = await held_task(session, volunteer, request_id)
    request = await change_status(
        session,
        request,
        RequestStatus.DONE,
        actor=volunteer,
        action="done",
        clock=clock,
        values={"done_at": clock.now(), "minutes_spent": minutes},
        detail={"minutes": minutes},
    )
    assert volunteer is not None
    await ledger.credit_time(
        session,
        community_id=request.community_id,
        person_id=volunteer.id,
        minutes=minutes,
        now=clock.now(),
        source=f"request:{request.id}",
        kind=ledger.TIME_TASK,
        by_id=volunteer.id,
    )
    return request


async def release_task(
    session: AsyncSession, volunteer: User | None, request_id: int, *, clock: Clock
) -> HelpRequest:
    """ "I can't make it": the task goes back to the pool for someone else."""
    request = await held_task(session, volunteer, request_id)
    return await change_status(
        session,
        request,
        RequestStatus.OPEN,
        actor=volunteer,
        action="released",
        clock=clock,
        values={"volunteer_id": None, "claimed_at": None},
        detail={"volunteer_id": request.volunteer_id},
    )


async def tasks_held(session: AsyncSession, volunteer: User | None) -> list[HelpRequest]:
    volunteer = await approved_volunteer(session, volunteer)
    return await request_queries.held_by(session, volunteer.id)
