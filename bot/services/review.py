"""What coordinators do with requests: check them, publish, edit, ask, reject, merge, assign;
and the scheduler's flags for requests that wait too long."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.claims import Task, reveal
from bot.services.errors import InvalidTransition, NotAllowed, RequestNotFound
from bot.services.media import Media
from bot.services.requests import (
    FINISHED,
    REASON_MAX,
    change_status,
    clean_long_text,
    edit_request,
)
from bot.services.volunteers import approved_volunteer, within
from storage.models import HelpRequest, RequestCategory, RequestStatus, User
from storage.repositories import cards as card_queries
from storage.repositories import requests as request_queries
from storage.repositories import users as user_queries


async def request_for_coordinator(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    *,
    settings: Settings | None = None,
) -> tuple[User, HelpRequest]:
    """The coordinator and the request, if they may act on it: a request of a community
    outside the coordinator's is `OutsideCommunity`, whoever calls (`settings` may be None: a
    scope needs none)."""
    coordinator = require(coordinator, Action.REVIEW_REQUESTS)
    request = await request_queries.get(session, request_id)
    if request is None:
        raise RequestNotFound()
    await within(session, settings, coordinator, request.community_id)
    return coordinator, request


QUEUE_SIZE = 10


async def waiting_requests(
    session: AsyncSession, coordinator: User | None, *, settings: Settings, limit: int = QUEUE_SIZE
) -> tuple[list[HelpRequest], int, dict[int, str]]:
    """The coordinator's queue: requests of their communities waiting to be checked or taken
    (the first `limit`), how many wait in all, and the names of the communities when they
    look after more than one (a street's coordinator)."""
    coordinator = require(coordinator, Action.REVIEW_REQUESTS)
    scope = await communities.scope_of(session, settings, coordinator)
    found = await request_queries.waiting(session, scope, limit=limit)
    tree = await communities.tree(session, settings)
    names = {community: tree.name(community) for community in scope} if len(scope) > 1 else {}
    return found, await request_queries.count_waiting(session, scope), names


async def request_as_it_is(
    session: AsyncSession, coordinator: User | None, request_id: int
) -> HelpRequest:
    """The request as the database has it now (after a step that failed on a change)."""
    _coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    await session.refresh(request)
    return request


async def resident_of(session: AsyncSession, request: HelpRequest) -> User:
    """The resident whose request it is, for the coordinators' card."""
    resident = await user_queries.get_by_id(session, request.resident_id)
    if resident is None:
        raise RequestNotFound()
    return resident


async def card_people(
    session: AsyncSession, request: HelpRequest
) -> tuple[User, User | None, bool]:
    """What the coordinators' card shows besides the request: the resident, the volunteer who
    holds it, and whether it came from a daily check-in."""
    resident = await resident_of(session, request)
    holder = (
        await user_queries.get_by_id(session, request.volunteer_id)
        if request.volunteer_id
        else None
    )
    return resident, holder, await card_queries.came_from_checkin(session, request.id)


async def approve_request(
    session: AsyncSession, coordinator: User | None, request_id: int, version: int, *, clock: Clock
) -> HelpRequest:
    """Publish to volunteers."""
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    return await change_status(
        session,
        request,
        RequestStatus.OPEN,
        actor=coordinator,
        action="approved",
        clock=clock,
        expect_version=version,
        values={"reviewed_by_id": coordinator.id},
    )


async def reject_request(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    reason: str,
    *,
    clock: Clock,
    media: Media | None = None,
) -> HelpRequest:
    """Rejected, with a reason: a ready one, typed, or said by voice (`media`, on the event)."""
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    return await change_status(
        session,
        request,
        RequestStatus.REJECTED,
        actor=coordinator,
        action="rejected",
        clock=clock,
        expect_version=version,
        values={"reviewed_by_id": coordinator.id, "reason": clean_long_text(reason, REASON_MAX)},
        detail=media.detail() if media else None,
    )


async def mark_duplicate(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    original_id: int,
    *,
    clock: Clock,
) -> tuple[HelpRequest, HelpRequest]:
    """Merge into another request of the same resident, in the same community, that is still
    going."""
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    original = await request_queries.get(session, original_id)
    if (
        original is None
        or original.id == request.id
        or original.resident_id != request.resident_id
        or original.community_id != request.community_id
        or original.status in FINISHED
    ):
        raise RequestNotFound()
    await change_status(
        session,
        request,
        RequestStatus.DUPLICATE,
        actor=coordinator,
        action="duplicate",
        clock=clock,
        expect_version=version,
        values={"reviewed_by_id": coordinator.id, "duplicate_of_id": original.id},
    )
    return request, original


async def set_category(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    category: RequestCategory,
    *,
    clock: Clock,
) -> HelpRequest:
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    return await edit_request(
        session,
        request,
        actor=coordinator,
        action="category",
        clock=clock,
        expect_version=version,
        values={"category": category},
        detail={"from": str(request.category), "to": str(category)},
    )


async def set_urgency(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    urgent: bool,
    *,
    clock: Clock,
) -> HelpRequest:
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    return await edit_request(
        session,
        request,
        actor=coordinator,
        action="urgency",
        clock=clock,
        expect_version=version,
        values={"urgent": urgent, "unclaimed_flagged_at": None},
        detail={"urgent": urgent},
    )


async def record_question(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    question: str,
    *,
    clock: Clock,
    media: Media | None = None,
) -> tuple[HelpRequest, str]:
    """A coordinator's question to the resident, recorded on the request (no status change):
    typed, or said by voice (`media`, maybe with words as a photo's caption)."""
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    if request.status in FINISHED:
        raise InvalidTransition(request.id)
    text = clean_long_text(question, REASON_MAX)
    if not text and media is None:
        raise NotAllowed()
    request_queries.add_event(
        session,
        request_id=request.id,
        at=clock.now(),
        actor_id=coordinator.id,
        action="question",
        from_status=request.status,
        to_status=request.status,
        detail={"question": text, **(media.detail() if media else {})},
    )
    await session.flush()
    return request, text


async def assign_request(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    volunteer_id: int,
    *,
    clock: Clock,
    settings: Settings | None = None,
) -> tuple[HelpRequest, int | None]:
    """Give the task to a chosen volunteer (also from one volunteer to another). Returns the
    request and the volunteer who held it before, if any, so they can be told. The request
    must be of the coordinator's communities and the volunteer must serve its community."""
    coordinator, request = await request_for_coordinator(
        session, coordinator, request_id, settings=settings
    )
    volunteer = await approved_volunteer(
        session, await user_queries.get_by_id(session, volunteer_id)
    )
    await within(session, settings, volunteer, request.community_id)
    previous = request.volunteer_id
    if previous == volunteer.id:
        return request, None
    await change_status(
        session,
        request,
        RequestStatus.CLAIMED,
        actor=coordinator,
        action="assigned",
        clock=clock,
        expect_version=version,
        values={
            "volunteer_id": volunteer.id,
            "claimed_at": clock.now(),
            "reviewed_by_id": request.reviewed_by_id or coordinator.id,
            "overdue_flagged_at": None,
        },
        detail={"volunteer_id": volunteer.id, "previous_volunteer_id": previous},
    )
    return request, previous


async def assign_task(
    session: AsyncSession,
    coordinator: User | None,
    request_id: int,
    version: int,
    volunteer_id: int,
    *,
    clock: Clock,
    settings: Settings | None = None,
) -> tuple[Task, User, int | None]:
    """`assign_request`, then the task's details handed to its new holder (logged): the task,
    the volunteer, and who held it before."""
    request, previous = await assign_request(
        session, coordinator, request_id, version, volunteer_id, clock=clock, settings=settings
    )
    volunteer = await user_queries.get_by_id(session, volunteer_id)
    assert volunteer is not None  # approved just now
    return await reveal(session, volunteer, request, clock=clock), volunteer, previous


async def unassign_request(
    session: AsyncSession, coordinator: User | None, request_id: int, version: int, *, clock: Clock
) -> tuple[HelpRequest, int | None]:
    coordinator, request = await request_for_coordinator(session, coordinator, request_id)
    previous = request.volunteer_id
    await change_status(
        session,
        request,
        RequestStatus.OPEN,
        actor=coordinator,
        action="unassigned",
        clock=clock,
        expect_version=version,
        values={"volunteer_id": None, "claimed_at": None},
        detail={"previous_volunteer_id": previous},
    )
    return request, previous


async def volunteers_to_assign(
    session: AsyncSession, coordinator: User | None, request: HelpRequest, *, settings: Settings
) -> list[User]:
    """Whom the assign picker offers: approved volunteers who serve the request's community
    (registered in it or its street, or added to it)."""
    require(coordinator, Action.REVIEW_REQUESTS)
    await within(session, settings, coordinator, request.community_id)
    tree = await communities.tree(session, settings)
    serving = tree.lineage(request.community_id)
    return await request_queries.approved_volunteers(session, serving=serving, limit=8)


async def flag_waiting_requests(
    session: AsyncSession,
    *,
    clock: Clock,
    unclaimed_after: timedelta,
    urgent_unclaimed_after: timedelta,
    overdue_after: timedelta,
) -> tuple[list[HelpRequest], list[HelpRequest]]:
    """Requests nobody has taken for too long, and claims not marked done long after their
    time. Each is flagged once (a conditional UPDATE, so two processes do not both flag)."""
    now = clock.now()
    unclaimed_ids = await request_queries.unflagged_unclaimed(
        session, normal_before=now - unclaimed_after, urgent_before=now - urgent_unclaimed_after
    )
    overdue_ids = await request_queries.unflagged_overdue(
        session, slot_ended_before=now - overdue_after
    )
    unclaimed = [
        request
        for request_id in unclaimed_ids
        if await request_queries.set_flag_once(session, request_id, "unclaimed_flagged_at", now)
        and (request := await request_queries.get(session, request_id)) is not None
    ]
    overdue = [
        request
        for request_id in overdue_ids
        if await request_queries.set_flag_once(session, request_id, "overdue_flagged_at", now)
        and (request := await request_queries.get(session, request_id)) is not None
    ]
    return unclaimed, overdue


async def unflag(session: AsyncSession, request_id: int, *, unclaimed: bool) -> None:
    """A waiting request's flag that could not be told: it is due to be flagged again."""
    column = "unclaimed_flagged_at" if unclaimed else "overdue_flagged_at"
    await request_queries.clear_flag(session, request_id, column)
