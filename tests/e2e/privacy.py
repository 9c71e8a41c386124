"""The privacy rule checked after every conversation: a resident's exact address and phone
(and the phone of their emergency contact, which only coordinators see besides them) appear
only in messages to the resident, to coordinators (their chats and their group), and to
volunteers and contacts to whom they were revealed (each reveal is in the audit log: a claimed
task, a paired visit, an alert about a missed check-in)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.config import Settings
from bot.emulator.server import FakeBotAPI
from storage.db import create_engine, create_session_factory
from storage.models import AuditEvent, CheckinContact, CheckinPlan, HelpRequest, User, UserRole

SENDING_METHODS = {
    "sendMessage": "text",
    "editMessageText": "text",
    "sendPhoto": "caption",
    "sendDocument": "caption",
    "editMessageCaption": "caption",
}
MIN_SECRET = 5  # shorter strings would match by chance


async def _secrets_and_readers(settings: Settings) -> dict[str, set[int]]:
    """Each private detail, and the chats allowed to read it."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_session_factory(engine)() as session:
            people = {user.id: user for user in await session.scalars(select(User))}
            coordinators = {
                user.telegram_id
                for user in people.values()
                if user.role is UserRole.COORDINATOR and user.telegram_id is not None
            }
            if settings.coordinator_chat_id is not None:
                coordinators.add(settings.coordinator_chat_id)
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
                    readers[secret] |= own | coordinators | revealed_to[resident.id]

            for user in people.values():
                if user.role is UserRole.RESIDENT:
                    allow(user.phone, user)
                    allow(user.address, user)
            plans = {plan.id: plan for plan in await session.scalars(select(CheckinPlan))}
            for contact in await session.scalars(select(CheckinContact)):
                # An emergency contact's number: the resident who gave it and the
                # coordinators who will call it, nobody else.
                resident = people[plans[contact.plan_id].resident_id]
                if contact.phone and len(contact.phone) >= MIN_SECRET:
                    own = {resident.telegram_id} if resident.telegram_id else set()
                    readers[contact.phone] |= own | coordinators
            for request in await session.scalars(select(HelpRequest)):
                resident = people[request.resident_id]
                allow(request.address, resident)
                allow(request.access_notes, resident)
            return readers
    finally:
        await engine.dispose()


async def leaked_private_details(api: FakeBotAPI, settings: Settings) -> list[str]:
    """Every message the bot sent that shows a detail to a chat not allowed to read it."""
    readers = await _secrets_and_readers(settings)
    leaks = []
    for call in api.calls:
        field = SENDING_METHODS.get(call.method)
        if field is None or not call.ok:
            continue
        text = str(call.params.get(field) or "")
        chat_id = int(call.params.get("chat_id") or 0)
        for secret, allowed in readers.items():
            if secret in text and chat_id not in allowed:
                leaks.append(f"{call.method} to {chat_id} shows {secret!r}: {text[:200]!r}")
    return leaks
