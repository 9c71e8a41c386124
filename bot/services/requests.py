"""Help requests: asking, the one gate every status change goes through, and what a resident
may do with their own requests.

`change_status` is the only code that moves a request between statuses. It checks that the
step is allowed from where the request stands and applies it with a conditional UPDATE on the
request's version, so two people acting at once cannot both succeed, and records who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.policy.permissions import is_registered
from bot.services import places
from bot.services.communities import home_of
from bot.services.emergency import looks_like_emergency
from bot.services.errors import (
    DescriptionEmpty,
    InvalidTransition,
    NotAllowed,
    NotOnboarded,
    RatingInvalid,
    RequestChanged,
    RequestNotFound,
    TextTooLong,
)
from bot.services.media import Media
from bot.services.slots import compute_slot
from bot.services.users import clean_address, clean_text
from storage.models import DayPart, HelpRequest, RequestCategory, RequestStatus, RequestTiming, User
from storage.repositories import requests as request_queries
from storage.repositories import users as user_queries

DESCRIPTION_MAX = 4 * 4096
"""Never reached by one message: Telegram's hold at most 4,096 characters, each kept whole;
words added at the summary, or an emergency said mid-request, join the first."""
DESCRIPTION_PREVIEW = 1200
"""How much of a description a card or a summary shows; the rest is sent on its own."""
NOTES_MAX = 300
COMMENT_MAX = 4096  # one message, kept whole: cards show its beginning, coordinators get all
REASON_MAX = 300

S = RequestStatus
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.PENDING: frozenset({S.OPEN, S.CLAIMED, S.CANCELLED, S.REJECTED, S.DUPLICATE, S.EXPIRED}),
    S.OPEN: frozenset({S.CLAIMED, S.CANCELLED, S.REJECTED, S.DUPLICATE, S.EXPIRED}),
    S.CLAIMED: frozenset({S.CLAIMED, S.IN_PROGRESS, S.DONE, S.OPEN, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.OPEN, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.DUPLICATE: frozenset(),
    S.EXPIRED: frozenset(),
}
"""Allowed steps. CLAIMED -> CLAIMED is a reassignment; CLAIMED/IN_PROGRESS -> OPEN gives the
task back to the pool."""

FINISHED = frozenset(status for status, steps in TRANSITIONS.items() if not steps)


@dataclass(frozen=True)
class RequestDraft:
    """What a resident said they need, as collected by the conversation."""

    category: RequestCategory
    description: str = ""
    voice_file_id: str | None = None
    photo_file_id: str | None = None
    urgent: bool = False
    timing: RequestTiming = RequestTiming.ASAP
    day: date | None = None
    day_part: DayPart = DayPart.ANY
    address: str | None = None
    access_notes: str | None = None
    save_address: bool = False


def reference(request: HelpRequest) -> str:
    """The short number a resident can read out on the phone."""
    return str(request.id)


def clean_long_text(text: str | None, limit: int) -> str:
    """Like a name, but keeps line breaks: descriptions are often several lines."""
    if not text:
        return ""
    lines = [clean_text(line) for line in text.splitlines()]
    cleaned = "\n".join(line for line in lines if line)
    if len(cleaned) > limit:
        raise TextTooLong(limit)
    return cleaned


async def submit_request(
    session: AsyncSession, resident: User, draft: RequestDraft, *, clock: Clock
) -> HelpRequest:
    """Record a new request, waiting for a coordinator. Urgent if the resident said so or if the
    words sound like an emergency."""
    if not resident.is_onboarded:
        raise NotOnboarded()
    description = clean_long_text(draft.description, DESCRIPTION_MAX)
    if not (description or draft.voice_file_id or draft.photo_file_id):
        raise DescriptionEmpty()
    address = clean_address(draft.address) if draft.address else resident.address
    notes = clean_long_text(draft.access_notes, NOTES_MAX) or resident.access_notes
    now = clock.now()
    slot = compute_slot(
        draft.timing, now=now, timezone=resident.timezone, day=draft.day, day_part=draft.day_part
    )
    emergency = looks_like_emergency(description)
    request = HelpRequest(
        resident_id=resident.id,
        community_id=home_of(resident),
        category=draft.category,
        description=description,
        voice_file_id=draft.voice_file_id,
        photo_file_id=draft.photo_file_id,
        urgent=draft.urgent or emergency,
        emergency=emergency,
        timing=draft.timing,
        slot_date=slot.slot_date,
        day_part=draft.day_part,
        slot_start=slot.start,
        slot_end=slot.end,
        place_id=resident.place_id,
        area=await places.name_of(session, resident.place_id) or "",
        address=address,
        access_notes=notes or None,
        status=RequestStatus.PENDING,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    if draft.save_address and draft.address:
        resident.address = address
        resident.updated_at = now
    await session.flush()
    request_queries.add_event(
        session,
        request_id=request.id,
        at=now,
        actor_id=resident.id,
        action="created",
        from_status=None,
        to_status=RequestStatus.PENDING,
        detail={"urgent": request.urgent, "emergency": emergency},
    )
    await session.flush()
    return request


async def change_status(
    session: AsyncSession,
    request: HelpRequest,
    to: RequestStatus,
    *,
    actor: User | None,
    action: str,
    clock: Clock,
    expect_version: int | None = None,
    values: dict[str, Any] | None = None,
    extra_condition: Any = None,
    detail: dict[str, Any] | None = None,
) -> HelpRequest:
    """Move `request` to `to`, if that step is allowed from its current status and nobody changed
    it since `expect_version` (the version the actor saw). Raises `InvalidTransition` or
    `RequestChanged`; returns the request as it now is."""
    current = request.status
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(request.id)
    version = request.version if expect_version is None else expect_version
    now = clock.now()
    changed = await request_queries.update_if_unchanged(
        session,
        request.id,
        status=current,
        version=version,
        values={"status": to, "updated_at": now, **(values or {})},
        extra_condition=extra_condition,
    )
    if not changed:
        await session.refresh(request)
        raise RequestChanged(request.id)
    await session.refresh(request)
    request_queries.add_event(
        session,
        request_id=request.id,
        at=now,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=current,
        to_status=to,
        detail=detail,
    )
    await session.flush()
    return request


async def edit_request(
    session: AsyncSession,
    request: HelpRequest,
    *,
    actor: User,
    action: str,
    clock: Clock,
    expect_version: int,
    values: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> HelpRequest:
    """Change details without changing the status (still version-checked and recorded)."""
    if request.status in FINISHED:
        raise InvalidTransition(request.id)
    now = clock.now()
    changed = await request_queries.update_if_unchanged(
        session,
        request.id,
        status=request.status,
        version=expect_version,
        values={"updated_at": now, **values},
    )
    await session.refresh(request)
    if not changed:
        raise RequestChanged(request.id)
    request_queries.add_event(
        session,
        request_id=request.id,
        at=now,
        actor_id=actor.id,
        action=action,
        from_status=request.status,
        to_status=request.status,
        detail=detail,
    )
    await session.flush()
    return request


# a resident's own requests


async def own_request(session: AsyncSession, resident: User, request_id: int) -> HelpRequest:
    """The request, if it is this resident's; otherwise as if it did not exist."""
    request = await request_queries.get(session, request_id)
    if request is None or request.resident_id != resident.id:
        raise RequestNotFound()
    return request


async def requests_of(session: AsyncSession, resident: User) -> list[HelpRequest]:
    return await request_queries.of_resident(session, resident.id)


async def cancel_request(
    session: AsyncSession, resident: User, request_id: int, *, clock: Clock
) -> tuple[HelpRequest, int | None]:
    """The resident no longer needs help. Returns the request and the volunteer who held it,
    if any, so they can be told."""
    request = await own_request(session, resident, request_id)
    volunteer_id = request.volunteer_id
    if request.status in FINISHED:
        raise InvalidTransition(request.id)
    await change_status(
        session, request, RequestStatus.CANCELLED, actor=resident, action="cancelled", clock=clock
    )
    return request, volunteer_id


async def rate_request(
    session: AsyncSession, resident: User, request_id: int, rating: int, *, clock: Clock
) -> HelpRequest:
    """A rating of 1-5 for a finished request; the resident may change their mind once more."""
    if not 1 <= rating <= 5:
        raise RatingInvalid()
    request = await own_request(session, resident, request_id)
    if request.status is not RequestStatus.DONE:
        raise InvalidTransition(request.id)
    request.rating = rating
    request.rated_at = clock.now()
    request_queries.add_event(
        session,
        request_id=request.id,
        at=clock.now(),
        actor_id=resident.id,
        action="rated",
        from_status=request.status,
        to_status=request.status,
        detail={"rating": rating},
    )
    await session.flush()
    return request


async def comment_on_request(
    session: AsyncSession,
    resident: User,
    request_id: int,
    comment: str,
    *,
    clock: Clock,
    media: Media | None = None,
) -> HelpRequest:
    """Her comment after the rating: typed, or said by voice (`media`, kept on the event)."""
    request = await own_request(session, resident, request_id)
    if request.status is not RequestStatus.DONE:
        raise InvalidTransition(request.id)
    text = clean_long_text(comment, COMMENT_MAX)
    if not text and media is None:
        raise DescriptionEmpty()
    if text:
        request.rating_comment = text
    request_queries.add_event(
        session,
        request_id=request.id,
        at=clock.now(),
        actor_id=resident.id,
        action="commented",
        from_status=request.status,
        to_status=request.status,
        detail=media.detail() if media else {},
    )
    await session.flush()
    return request


def needs_coordinator_attention(request: HelpRequest) -> bool:
    """A low rating or any comment goes to the coordinators."""
    return (request.rating is not None and request.rating <= 2) or bool(request.rating_comment)


def require_role(user: User | None, *roles: object) -> User:
    """Kept for the services outside requests that still check a role this way (visits,
    check-ins); new code asks `bot.policy.permissions.require` for an action."""
    if not is_registered(user) or user.role not in roles:  # type: ignore[union-attr]
        raise NotAllowed()
    return user  # type: ignore[return-value]


async def submit_emergency(
    session: AsyncSession,
    resident: User,
    *,
    category: RequestCategory = RequestCategory.OTHER,
    description: str = "",
    voice_file_id: str | None = None,
    photo_file_id: str | None = None,
    clock: Clock,
) -> HelpRequest:
    """Record an emergency at once, as urgent and as soon as possible, even with nothing said
    yet (the "🚨 It's urgent" button): it must never wait in a half-finished conversation.
    Anyone who writes to the bot may have one, someone still registering included."""
    text = clean_long_text(description[:DESCRIPTION_MAX], DESCRIPTION_MAX)
    now = clock.now()
    slot = compute_slot(RequestTiming.ASAP, now=now, timezone=resident.timezone)
    request = HelpRequest(
        resident_id=resident.id,
        community_id=home_of(resident),
        category=category,
        description=text,
        voice_file_id=voice_file_id,
        photo_file_id=photo_file_id,
        urgent=True,
        emergency=True,
        timing=RequestTiming.ASAP,
        slot_date=None,
        day_part=DayPart.ANY,
        slot_start=slot.start,
        slot_end=slot.end,
        place_id=resident.place_id,
        area=await places.name_of(session, resident.place_id) or "",
        address=resident.address,
        access_notes=resident.access_notes,
        status=RequestStatus.PENDING,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    request_queries.add_event(
        session,
        request_id=request.id,
        at=now,
        actor_id=resident.id,
        action="created",
        from_status=None,
        to_status=RequestStatus.PENDING,
        detail={"urgent": True, "emergency": True},
    )
    await session.flush()
    return request


async def record_answer(
    session: AsyncSession,
    resident: User,
    request_id: int,
    answer: str,
    *,
    clock: Clock,
    media: Media | None = None,
) -> tuple[HelpRequest, str]:
    """The resident's answer to a coordinator's question, recorded on their own request:
    typed, or said by voice (`media`)."""
    request = await own_request(session, resident, request_id)
    if request.status in FINISHED:
        raise InvalidTransition(request.id)
    text = clean_long_text(answer, COMMENT_MAX)
    if not text and media is None:
        raise DescriptionEmpty()
    request_queries.add_event(
        session,
        request_id=request.id,
        at=clock.now(),
        actor_id=resident.id,
        action="answer",
        from_status=request.status,
        to_status=request.status,
        detail={"answer": text, **(media.detail() if media else {})},
    )
    await session.flush()
    return request, text


async def person(session: AsyncSession, user_id: int | None) -> User | None:
    """A resident or volunteer named on a request, to tell them something."""
    if user_id is None:
        return None
    return await user_queries.get_by_id(session, user_id)
