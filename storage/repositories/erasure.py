"""Queries that find and erase what one person left in linli when they delete their data.

The values they gave are gathered first (`values_of`), then every row that can hold them is
emptied or redacted; `bot.services.erasure` decides what each kind of row keeps."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.fsm import settle_conversations
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Checkin,
    CheckinContact,
    CheckinPlan,
    Concern,
    FsmState,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Pairing,
    RequestCard,
    RequestEvent,
    SurveyInvite,
    User,
    Visit,
)

# Free text kept in an event's `detail`: a resident's answer, a coordinator's question; and the
# file ids of what was said by voice or shown in a photo instead.
TEXT_DETAIL_KEYS = ("answer", "question", "comment", "note", "reason", "text", "voice", "photo")
# What conversations keep that the person typed or sent (the rest are steps and choices, such
# as "resident" or "shopping", which would match everybody's messages).
TYPED_KEYS = frozenset(
    {
        *TEXT_DETAIL_KEYS,
        *("description", "voice", "photo", "address", "notes", "name", "phone"),
        *("contacts", "code", "event_title", "event_place", "versions", "query", "vquery"),
        "building",  # a concern about a neighbour: where they live
    }
)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
Redactor = Callable[[Any], tuple[Any, bool]]


async def values_of(session: AsyncSession, user: User) -> tuple[set[str], set[str]]:
    """(what they gave or what was written about them, their names): every value to erase."""
    # not their building: neighbours share it, so it would match their messages too
    texts: set[str] = {value for value in (user.phone, user.address, user.access_notes) if value}
    names = {value for value in (user.display_name, user.telegram_username) if value}
    requests = list(
        await session.scalars(select(HelpRequest).where(HelpRequest.resident_id == user.id))
    )
    for request in requests:
        texts |= {
            value
            for value in (
                request.description,
                request.voice_file_id,
                request.photo_file_id,
                request.address,
                request.access_notes,
                request.rating_comment,
            )
            if value
        }
    events = await session.scalars(
        select(RequestEvent).where(
            or_(
                RequestEvent.request_id.in_([r.id for r in requests]),
                RequestEvent.actor_id == user.id,
            )
        )
    )
    for event in events:
        texts |= {str(event.detail[k]) for k in TEXT_DETAIL_KEYS if (event.detail or {}).get(k)}
    plan_ids = select(CheckinPlan.id).where(CheckinPlan.resident_id == user.id)
    for contact in await session.scalars(
        select(CheckinContact).where(CheckinContact.plan_id.in_(plan_ids))
    ):
        texts |= {value for value in (contact.name, contact.phone) if value}
    for checkin in await session.scalars(select(Checkin).where(Checkin.resident_id == user.id)):
        if checkin.note:
            texts.add(checkin.note)
    for visit in await session.scalars(
        select(Visit).where(or_(Visit.resident_id == user.id, Visit.volunteer_id == user.id))
    ):
        texts |= {value for value in (visit.note, visit.cancel_reason) if value}
    for pairing in await session.scalars(
        select(Pairing).where(or_(Pairing.resident_id == user.id, Pairing.volunteer_id == user.id))
    ):
        if pairing.safety_code:
            texts.add(pairing.safety_code)
    for broadcast in await session.scalars(select(Broadcast).where(Broadcast.author_id == user.id)):
        texts |= {v["text"] for v in broadcast.versions or [] if v.get("text")}
        texts |= {
            value
            for value in (broadcast.media_file_id, broadcast.event_title, broadcast.event_place)
            if value
        }
    for concern in await session.scalars(select(Concern).where(Concern.reporter_id == user.id)):
        texts |= {
            value
            for value in (
                concern.description,
                concern.voice_file_id,
                concern.photo_file_id,
                concern.building,
                concern.person_name,
            )
            if value
        }
    for invite in await session.scalars(
        select(SurveyInvite).where(SurveyInvite.user_id == user.id)
    ):  # what they said in a survey, as the coordinators' report quoted it
        texts |= {value for value in (invite.comment, invite.comment_voice_file_id) if value}
    if user.telegram_id is not None:
        for row in await session.scalars(
            select(FsmState).where(FsmState.user_id == user.telegram_id)
        ):
            texts |= _strings(json.loads(row.data or "{}"))
    return texts, names


def _strings(value: Any) -> set[str]:
    """What a person typed into a conversation (its data, under `TYPED_KEYS`), to look for
    elsewhere."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        typed = [v for k, v in value.items() if k in TYPED_KEYS]
        return set().union(*(_strings(v) for v in typed)) if typed else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


async def erase_requests_of(session: AsyncSession, resident_id: int) -> None:
    """Their requests keep category, status, dates, rating and minutes (the community's numbers),
    nothing they said or where they live."""
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.resident_id == resident_id)
        .values(
            description="",
            voice_file_id=None,
            photo_file_id=None,
            area="",
            address=None,
            access_notes=None,
            rating_comment=None,
            reason=None,
        )
        .execution_options(synchronize_session=False)
    )
    request_ids = select(HelpRequest.id).where(HelpRequest.resident_id == resident_id)
    events = await session.scalars(
        select(RequestEvent).where(
            or_(RequestEvent.request_id.in_(request_ids), RequestEvent.actor_id == resident_id)
        )
    )
    for event in events:
        detail = dict(event.detail or {})
        if any(key in detail for key in TEXT_DETAIL_KEYS):
            event.detail = {k: v for k, v in detail.items() if k not in TEXT_DETAIL_KEYS}


async def erase_visit_notes_of(session: AsyncSession, user_id: int) -> None:
    """Notes and reasons of their visits (as resident or volunteer), and their safety codes."""
    await session.execute(
        update(Visit)
        .where(or_(Visit.resident_id == user_id, Visit.volunteer_id == user_id))
        .values(note=None, cancel_reason=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Pairing)
        .where(or_(Pairing.resident_id == user_id, Pairing.volunteer_id == user_id))
        .values(safety_code=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Checkin)
        .where(Checkin.resident_id == user_id)
        .values(note=None)
        .execution_options(synchronize_session=False)
    )


async def erase_broadcasts_of(session: AsyncSession, author_id: int) -> None:
    """Notices they wrote: withdrawn if not sent yet; their words and picture go either way."""
    await session.execute(
        update(Broadcast)
        .where(
            Broadcast.author_id == author_id,
            Broadcast.status.in_((BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)),
        )
        .values(status=BroadcastStatus.CANCELLED, send_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Broadcast)
        .where(Broadcast.author_id == author_id)
        .values(
            versions=[],
            media_file_id=None,
            event_title=None,
            event_place=None,
            progress_chat_id=None,  # their private chat: its id is theirs too
            progress_message_id=None,
        )
        .execution_options(synchronize_session=False)
    )


async def erase_outbox_to(session: AsyncSession, user_id: int, telegram_id: int | None) -> None:
    """Messages to them: what is not sent yet is withdrawn; every row keeps only its kind,
    status and times (a broadcast's numbers still add up), not the words nor the chat."""
    to_them = or_(OutboxMessage.user_id == user_id, OutboxMessage.chat_id == (telegram_id or 0))
    await session.execute(
        update(OutboxMessage)
        .where(to_them, OutboxMessage.status.in_(UNSENT))
        .values(status=OutboxStatus.SKIPPED, error="withdrawn: personal data deleted")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage)
        .where(to_them)
        .values(payload={}, chat_id=0)
        .execution_options(synchronize_session=False)
    )
    # the cards of requests shown in their chat are forgotten (their chat id with them)
    await session.execute(
        delete(RequestCard)
        .where(or_(RequestCard.user_id == user_id, RequestCard.chat_id == (telegram_id or 0)))
        .execution_options(synchronize_session=False)
    )


async def redact_outbox(session: AsyncSession, user: User, redact: Redactor) -> None:
    """Messages to others that show their words: those words are taken out; one not sent yet
    that was about them (it showed more than their name) is withdrawn. Only rows written since
    they came are read, and of broadcasts (the bulk of the table) only their own."""
    own_broadcasts = select(Broadcast.id).where(Broadcast.author_id == user.id)
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload).where(
            OutboxMessage.chat_id != 0,
            OutboxMessage.created_at >= user.created_at,
            or_(
                OutboxMessage.broadcast_id.is_(None),
                OutboxMessage.broadcast_id.in_(own_broadcasts),
            ),
        )
    )
    for row_id, status, payload in rows.all():
        redacted, about_them = redact(payload)
        if redacted == payload:
            continue
        values: dict[str, Any] = {"payload": {} if about_them else redacted}
        if about_them and status in UNSENT:
            values.update(status=OutboxStatus.SKIPPED, error="withdrawn: personal data deleted")
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == status)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def redact_conversations(session: AsyncSession, telegram_id: int, redact: Redactor) -> None:
    """Their own conversations go; others' conversations lose what quotes them."""
    await settle_conversations(session)  # this update's own write first, then read afresh
    await session.execute(delete(FsmState).where(FsmState.user_id == telegram_id))
    rows = await session.execute(select(FsmState.key, FsmState.data))
    for key, raw in rows.all():
        data = json.loads(raw or "{}")
        redacted, _about = redact(data)
        if redacted != data:
            await session.execute(
                update(FsmState)
                .where(FsmState.key == key)
                .values(data=json.dumps(redacted, ensure_ascii=False))
            )
