"""What "delete my data" must leave of a person, table by table (the rules of
`bot.services.erasure`): `traces_of` lists every value or link that is still there and should
not be. Their anonymous row stays, and so do the numbers of what others did with them (a
request's category, status, dates and rating; a visit's time and minutes), nothing they said,
gave or could be reached by.

The tests also look for every value they planted, as text, in every table; these checks find
what a search for text cannot: links by id (a chat id, a contact, a conversation) and rows left
live."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarResult, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import wishes as wish_service
from bot.services.requests import FINISHED
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Checkin,
    CheckinContact,
    CheckinPlan,
    CheckinPlanStatus,
    FsmState,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Pairing,
    RequestEvent,
    RequestStatus,
    User,
    Visit,
    Wish,
    WishStatus,
)
from storage.repositories.erasure import TEXT_DETAIL_KEYS

# Of their own row, everything that tells who they are or how to reach them.
PERSONAL = (
    *("telegram_id", "telegram_username", "telegram_language", "display_name", "phone"),
    *("place_id", "area", "address", "access_notes", "locale", "consent_at"),
)
# Of their requests: what they said, sent and where they live.
REQUEST_WORDS = (
    *("voice_file_id", "photo_file_id", "address", "access_notes", "rating_comment", "reason"),
)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)


async def _rows(session: AsyncSession, query: Select[Any]) -> ScalarResult[Any]:
    """The rows as stored now, also those the session has loaded before."""
    return await session.scalars(query.execution_options(populate_existing=True))


def _set(row: Any, *columns: str) -> list[str]:
    """`table.column = value` for each column of `row` that holds something."""
    return [
        f"{row.__tablename__}[{getattr(row, 'id', '')}].{column} = {getattr(row, column)!r}"
        for column in columns
        if getattr(row, column) not in (None, "", [], {})
    ]


async def traces_of(session: AsyncSession, user_id: int, telegram_id: int) -> list[str]:
    """What is left of the person `user_id` (Telegram id `telegram_id`) that deleting their data
    should have erased; empty when nothing is."""
    left: list[str] = []
    user = (await _rows(session, select(User).where(User.id == user_id))).first()
    assert user is not None, "the anonymous row stays"
    left += _set(user, *PERSONAL)
    if user.deleted_at is None:
        left.append(f"users[{user_id}].deleted_at is not set")

    # requests: they asked for them (words and address go, live ones are cancelled), or they
    # held them as a volunteer (back to the pool)
    requests = list(
        await _rows(session, select(HelpRequest).where(HelpRequest.resident_id == user_id))
    )
    for request in requests:
        left += _set(request, "description", "area", *REQUEST_WORDS)
        if request.status not in FINISHED:
            left.append(f"help_requests[{request.id}] is still {request.status.value}")
    held = await _rows(
        session,
        select(HelpRequest).where(
            HelpRequest.volunteer_id == user_id,
            HelpRequest.status.in_((RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS)),
        ),
    )
    left += [f"help_requests[{r.id}] is still held by them" for r in held]
    events = await _rows(
        session,
        select(RequestEvent).where(
            or_(
                RequestEvent.request_id.in_([r.id for r in requests]),
                RequestEvent.actor_id == user_id,
            )
        ),
    )
    for event in events:
        said = sorted(set(event.detail or {}) & set(TEXT_DETAIL_KEYS))
        left += [f"request_events[{event.id}].detail[{key!r}]" for key in said]

    # check-ins: their plans stop, their contacts go, and they are nobody's contact any more
    plans = list(
        await _rows(session, select(CheckinPlan).where(CheckinPlan.resident_id == user_id))
    )
    for plan in plans:
        left += _set(plan, "next_checkin_at")
        if plan.status is not CheckinPlanStatus.STOPPED:
            left.append(f"checkin_plans[{plan.id}] is still {plan.status.value}")
    contacts = await _rows(
        session,
        select(CheckinContact).where(
            or_(
                CheckinContact.plan_id.in_([p.id for p in plans]),
                CheckinContact.user_id == user_id,
            )
        ),
    )
    left += [f"checkin_contacts[{c.id}] ({c.kind.value}) is still there" for c in contacts]
    for checkin in await _rows(session, select(Checkin).where(Checkin.resident_id == user_id)):
        left += _set(checkin, "note", "next_due_at")

    # visits: their pairings end, without a safety code; the visits keep no notes
    with_them = await _rows(
        session,
        select(Pairing).where(or_(Pairing.resident_id == user_id, Pairing.volunteer_id == user_id)),
    )
    for pairing in with_them:
        left += _set(pairing, "safety_code", "next_visit_at")
        if pairing.active:
            left.append(f"pairings[{pairing.id}] is still active")
    visits = await _rows(
        session,
        select(Visit).where(or_(Visit.resident_id == user_id, Visit.volunteer_id == user_id)),
    )
    for visit in visits:
        left += _set(visit, "note", "cancel_reason", "next_due_at")

    # notices they wrote: withdrawn if not sent, without their words, picture or chat
    for broadcast in await _rows(session, select(Broadcast).where(Broadcast.author_id == user_id)):
        left += _set(broadcast, "versions", "media_file_id", "event_title", "event_place")
        left += _set(broadcast, "progress_chat_id", "progress_message_id")
        if broadcast.status in (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED):
            left.append(f"broadcasts[{broadcast.id}] is still {broadcast.status.value}")

    # wishes: those they posted keep no words, voice or photo (live ones withdrawn); thanks
    # they sent keep no words; a wish they lit and had not brought is back in the pool
    own = select(Wish).where(Wish.posted_by_id == user_id, Wish.for_someone.is_(False))
    for wish in await _rows(session, own):
        left += _set(wish, "description", "voice_file_id", "photo_file_id")
        if wish.address_as not in ("", "—"):
            left.append(f"wishes[{wish.id}].address_as = {wish.address_as!r}")
        if wish.status in wish_service.UNDER_WAY:
            left.append(f"wishes[{wish.id}] is still {wish.status.value}")
    thanked = select(Wish).where(
        or_(Wish.received_by_id == user_id, Wish.household_id == user.household_id)
    )
    for wish in await _rows(session, thanked):
        left += _set(wish, "thanks_text", "thanks_voice_file_id", "thanks_photo_file_id")
    lit = select(Wish).where(Wish.donor_id == user_id, Wish.status == WishStatus.LIT)
    left += [f"wishes[{w.id}] is still lit by them" for w in await _rows(session, lit)]

    # messages to them: none left to send, none with words or their chat
    to_them = await _rows(
        session,
        select(OutboxMessage).where(
            or_(OutboxMessage.user_id == user_id, OutboxMessage.chat_id == telegram_id)
        ),
    )
    for message in to_them:
        left += _set(message, "payload")
        if message.chat_id != 0:
            left.append(f"outbox_messages[{message.id}].chat_id = {message.chat_id}")
        if message.status in UNSENT:
            left.append(f"outbox_messages[{message.id}] is still {message.status.value}")

    # their conversations
    conversations = await _rows(
        session,
        select(FsmState).where(
            or_(FsmState.user_id == telegram_id, FsmState.chat_id == telegram_id)
        ),
    )
    left += [f"fsm_states[{c.key!r}] is still there" for c in conversations]
    return left
