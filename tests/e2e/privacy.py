"""The privacy rule checked after every conversation: a resident's exact address and phone
(and the phone of their emergency contact, which only coordinators see besides them; and what
a neighbour said in a concern, which only the reporter and the coordinators see) appear
only in messages to the resident, to the coordinators of their community (their chats and its
group; a street's coordinators look after every community of the street), and to
volunteers and contacts to whom they were revealed (each reveal is in the audit log: a claimed
task, a paired visit, an alert about a missed check-in).

Every successful call the bot made that shows something to someone is read: its text or
caption, its buttons (inline and reply keyboards), the voice note or photo it sends again by
file id (a request's own are hers like her address), and the short answers to button presses
(shown to the presser). `leaks_of` checks planted values against the readers a test names."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.emulator.server import FakeBotAPI
from bot.services.communities import FIRST_COMMUNITY_ID, CommunityTree
from bot.views.words import dialable
from storage.db import create_engine, create_session_factory
from storage.models import (
    AuditEvent,
    CheckinContact,
    CheckinPlan,
    Community,
    Concern,
    HelpRequest,
    Household,
    Place,
    User,
    UserRole,
)

MIN_SECRET = 5  # shorter strings would match by chance
SHOWN_FIELDS = ("text", "caption", "reply_markup", "title", "description", "address")
"""What of a call's parameters a person can read (a venue's address, a poll's words...)."""
HEARD_FIELDS = ("voice", "photo")
"""A file sent by its id: what the person said or showed (it may tell where she lives)."""


async def _secrets_and_readers(settings: Settings) -> dict[str, set[int]]:
    """Each private detail, and the chats allowed to read it."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_session_factory(engine)() as session:
            people = {user.id: user for user in await session.scalars(select(User))}
            tree = CommunityTree(await session.scalars(select(Community)), settings)

            def coordinators_of(community_id: int | None) -> set[int]:
                """The coordinators who look after the community, and its group."""
                community_id = community_id or FIRST_COMMUNITY_ID
                found = {
                    user.telegram_id
                    for user in people.values()
                    if user.role is UserRole.COORDINATOR
                    and user.telegram_id is not None
                    and tree.covers(user.community_id, community_id)
                }
                group = tree.settings(community_id).coordinator_chat_id
                return found | ({group} if group is not None else set())

            revealed_to: dict[int, set[int]] = defaultdict(set)
            for event in await session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("%.reveal"))
            ):
                reader = people.get(event.actor_id or 0)
                if event.subject_id is not None and reader and reader.telegram_id:
                    revealed_to[event.subject_id].add(reader.telegram_id)
            readers: dict[str, set[int]] = defaultdict(set)

            def allow(secret: str | None, resident: User) -> None:
                if secret and len(secret) >= MIN_SECRET:
                    own = {resident.telegram_id} if resident.telegram_id else set()
                    coordinators = coordinators_of(resident.community_id)
                    readers[secret] |= own | coordinators | revealed_to[resident.id]

            for user in people.values():
                if user.role is UserRole.RESIDENT:
                    allow(user.phone, user)
                    allow(dialable(user.phone), user)  # as the bot shows it: +86 138 ...
                    allow(user.address, user)
                    allow(user.access_notes, user)
            plans = {plan.id: plan for plan in await session.scalars(select(CheckinPlan))}
            for contact in await session.scalars(select(CheckinContact)):
                # An emergency contact's number: the resident who gave it and the
                # coordinators who will call it, nobody else.
                resident = people[plans[contact.plan_id].resident_id]
                if contact.phone and len(contact.phone) >= MIN_SECRET:
                    coordinators = coordinators_of(resident.community_id)
                    own = {resident.telegram_id} if resident.telegram_id else set()
                    readers[contact.phone] |= own | coordinators
                    readers[dialable(contact.phone) or contact.phone] |= own | coordinators
            public_places = set(await session.scalars(select(Place.name)))
            for household in await session.scalars(select(Household)):
                # a household's address, and the label its coordinators gave it: theirs and
                # its members' only (a label linli gave is the person's own name)
                members = {
                    user.telegram_id
                    for user in people.values()
                    if user.household_id == household.id and user.telegram_id
                }
                labelled = household.label if household.created_by_id is not None else None
                for secret in (household.address, labelled):
                    # a home named only by its building's name is named by a public place
                    if secret and len(secret) >= MIN_SECRET and secret not in public_places:
                        readers[secret] |= members | coordinators_of(household.community_id)
            for request in await session.scalars(select(HelpRequest)):
                resident = people[request.resident_id]
                allow(request.address, resident)
                allow(request.access_notes, resident)
                allow(request.voice_file_id, resident)  # the holder hears it after a claim
                allow(request.photo_file_id, resident)
            for concern in await session.scalars(select(Concern)):
                # what a neighbour noticed: the reporter and the community's coordinators
                reporter = people.get(concern.reporter_id or 0)
                own = {reporter.telegram_id} if reporter and reporter.telegram_id else set()
                for said in (concern.description, concern.voice_file_id, concern.photo_file_id):
                    if said and len(said) >= MIN_SECRET:
                        readers[said] |= own | coordinators_of(concern.community_id)
                # The name and building she typed may become a new household's label and
                # address (secrets of its own): she may read her own words back.
                for typed in (concern.building, concern.person_name):
                    if typed in readers:
                        readers[typed] |= own
            return readers
    finally:
        await engine.dispose()


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a parameter; a keyboard may arrive as JSON text."""
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                yield from _strings(json.loads(value))
                return
            except ValueError:
                pass
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def shown(api: FakeBotAPI) -> Iterator[tuple[str, int, str]]:
    """(method, reader, what they could read) for every successful call the bot made to show
    something to someone; a button press's answer is read by whoever pressed."""
    for call in api.calls:
        if not call.ok:
            continue
        if call.method == "answerCallbackQuery":
            query = api.state.callback_queries.get(str(call.params.get("callback_query_id")))
            reader = query.user_id if query else 0
            fields: tuple[str, ...] = ("text",)
        else:
            chat_id = call.params.get("chat_id")
            if chat_id is None:
                continue  # setMyCommands and the like: to nobody in particular
            reader = int(chat_id)
            fields = SHOWN_FIELDS + HEARD_FIELDS
        text = "\n".join(
            piece for name in fields for piece in _strings(call.params.get(name)) if piece
        )
        if text:
            yield call.method, reader, text


def leaks_of(api: FakeBotAPI, readers: Mapping[str, set[int]]) -> list[str]:
    """Every message that shows one of `readers`' secrets to a chat not among its readers."""
    leaks = []
    for method, reader, text in shown(api):
        for secret, allowed in readers.items():
            if secret in text and reader not in allowed:
                leaks.append(f"{method} to {reader} shows {secret!r}: {text[:200]!r}")
    return leaks


async def leaked_private_details(api: FakeBotAPI, settings: Settings) -> list[str]:
    """Every message the bot sent that shows a detail to a chat not allowed to read it."""
    return leaks_of(api, await _secrets_and_readers(settings))
