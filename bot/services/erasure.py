"""What "delete my data" erases beyond the person's own row, and how a message that quotes them
is told apart from one that merely names them.

Everything they gave (phone, address, door notes, request texts, voice and photo ids, comments,
answers, emergency contacts, visit notes, notices they wrote, what they said in a concern about
a neighbour, wishes and thanks, conversations in progress) is gathered first and then looked for
everywhere it may have been copied: a queued or sent message that shows any of it was about
them, and loses its words (a message not sent yet is withdrawn).
Their name alone is only cut out of others' messages, so a neighbour's alert is still sent.
The numbers stay: requests keep their category, status, dates and rating; the anonymous row of
the person keeps the shape of what others did with them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import fund_posts, give_back, time_offers, wish_steps
from bot.services import requests as request_service
from storage.models import HelpRequest, RequestStatus, User
from storage.repositories import checkins as checkin_queries
from storage.repositories import community as community_queries
from storage.repositories import concerns as concern_queries
from storage.repositories import erasure as erasure_queries
from storage.repositories import households as household_queries
from storage.repositories import surveys as survey_queries
from storage.repositories import visits as visit_queries

REDACTED = "—"
MIN_TEXT = 8  # shorter texts ("Rice", "好的") would match others' messages by chance
MIN_PHONE = 6  # phone numbers are looked for from this many digits
MIN_NAME = 2


def _edge_guarded(name: str) -> re.Pattern[str]:
    """The name as a whole word where it begins or ends with a Latin letter or digit ("Ann" is
    not cut out of "Annual"); Chinese has no spaces between words, so there it is matched as is."""
    left = r"(?<![A-Za-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
    right = r"(?![A-Za-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
    return re.compile(left + re.escape(name) + right)


def _worth_looking_for(value: str) -> bool:
    digits = value.removeprefix("+")
    return len(value) >= MIN_TEXT or (digits.isdigit() and len(digits) >= MIN_PHONE)


def _variants(value: str) -> set[str]:
    """A value as typed and as it appears in an HTML message."""
    value = value.strip()
    return {value, html.escape(value, quote=False), html.escape(value)} - {""}


@dataclass(frozen=True)
class PersonalValues:
    """One person's values to erase: `texts` (what they said or gave) mark a message as about
    them; `names` are only cut out."""

    texts: tuple[str, ...]
    names: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, texts: Iterable[str], names: Iterable[str]) -> PersonalValues:
        kept = {v for text in texts for v in _variants(text) if _worth_looking_for(v)}
        words = {
            v
            for name in names
            for part in (name, *name.split())
            for v in _variants(part)
            if len(v) >= MIN_NAME
        }
        return cls(
            texts=tuple(sorted(kept, key=len, reverse=True)),
            names=tuple(_edge_guarded(w) for w in sorted(words, key=len, reverse=True)),
        )

    def redact(self, value: Any) -> tuple[Any, bool]:
        """`value` (a message payload, conversation data) without these values, and whether it
        showed more than the name."""
        if isinstance(value, str):
            about = False
            for text in self.texts:
                if text in value:
                    value, about = value.replace(text, REDACTED), True
            for pattern in self.names:
                value = pattern.sub(REDACTED, value)
            return value, about
        if isinstance(value, dict):
            pairs = [(k, self.redact(v)) for k, v in value.items()]
            return {k: v for k, (v, _) in pairs}, any(a for _, (_, a) in pairs)
        if isinstance(value, list):
            items = [self.redact(v) for v in value]
            return [v for v, _ in items], any(a for _, a in items)
        return value, False


@dataclass(frozen=True)
class Erasure:
    """What was erased: the values (for stores outside the database) and the tasks that were
    cancelled while a volunteer held them (the volunteer is to be told)."""

    values: PersonalValues
    cancelled_tasks: tuple[HelpRequest, ...]
    changed_requests: tuple[HelpRequest, ...] = ()
    """Every request whose status the erasure changed (theirs cancelled, the tasks they held
    given back): the cards of each are to be made true again."""


async def erase_traces(session: AsyncSession, user: User, *, clock: Clock) -> Erasure:
    """Everything of `user` outside their own row (which the caller empties afterwards, while
    its Telegram id is still known here)."""
    texts, names = await erasure_queries.values_of(session, user)
    texts |= set(await wish_steps.erase_of(session, user, clock=clock))
    texts |= set(await time_offers.erase_of(session, user))
    values = PersonalValues.of(texts, names)
    cancelled, changed = await _withdraw_requests(session, user, clock)
    await erasure_queries.erase_requests_of(session, user.id)
    await checkin_queries.forget_person(session, user.id)
    await visit_queries.end_pairings_of(session, user.id)
    await erasure_queries.erase_visit_notes_of(session, user.id)
    await erasure_queries.erase_broadcasts_of(session, user.id)
    await community_queries.erase_call_backs_of(session, user.id)
    await household_queries.forget_member(session, user)
    await concern_queries.erase_of_reporter(session, user.id)
    await fund_posts.stop_reading(session, user.id)
    await give_back.forget(session, user.id)
    await survey_queries.erase_of(session, user.id)  # their taps stay, anonymous
    await erasure_queries.erase_outbox_to(session, user.id, user.telegram_id)
    await erasure_queries.redact_outbox(session, user, values.redact)
    if user.telegram_id is not None:
        await erasure_queries.redact_conversations(session, user.telegram_id, values.redact)
    await session.flush()
    for request in changed:  # read back as erased: the bulk updates above left them stale
        await session.refresh(request)
    return Erasure(values, cancelled, changed)


async def _withdraw_requests(
    session: AsyncSession, user: User, clock: Clock
) -> tuple[tuple[HelpRequest, ...], tuple[HelpRequest, ...]]:
    """Their requests still under way are cancelled (nobody can help without knowing where);
    tasks they hold as a volunteer go back to the pool for someone else. Returns the cancelled
    requests a volunteer held, and every request changed."""
    active = await session.scalars(
        select(HelpRequest).where(
            HelpRequest.resident_id == user.id,
            HelpRequest.status.not_in(request_service.FINISHED),
        )
    )
    held_by_others = []
    changed = []
    for request in list(active):
        changed.append(request)
        if request.volunteer_id is not None:
            held_by_others.append(request)
        await request_service.change_status(
            session,
            request,
            RequestStatus.CANCELLED,
            actor=user,
            action="data_deleted",
            clock=clock,
        )
    held = await session.scalars(
        select(HelpRequest).where(
            HelpRequest.volunteer_id == user.id,
            HelpRequest.status.in_((RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS)),
        )
    )
    for request in list(held):
        changed.append(request)
        await request_service.change_status(
            session,
            request,
            RequestStatus.OPEN,
            actor=user,
            action="released",
            clock=clock,
            values={"volunteer_id": None, "claimed_at": None},
            detail={"volunteer_id": user.id},
        )
    return tuple(held_by_others), tuple(changed)
