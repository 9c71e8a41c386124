"""The one place emergencies are heard: before every other router, in every state of every flow.

In a private chat, a text or a caption that sounds like an emergency gets the emergency numbers
at once and alerts the coordinators (`answer_emergency`); it is not taken as the answer to the
step the person was on. Groups are left alone: there the coordinators talk among themselves.

Coordinators and volunteers write about emergencies for others (a fire-safety notice, "did you
fall?", a visit note "she fell last week, fine now"): the first time, they too get the numbers and
the alert; the same text sent again at the same step is then taken as their answer, so such a
notice or note can still be written. A resident is heard every time."""

from __future__ import annotations

import hashlib

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.services.emergency import looks_like_emergency
from handlers.resident_requests import answer_emergency
from storage.models import User, UserRole

_HEARD = "emergency_heard"  # in a helper's conversation data: the text already answered
_HELPERS = (UserRole.COORDINATOR, UserRole.VOLUNTEER)


def _fingerprint(state_name: str | None, text: str) -> str:
    return hashlib.sha256(f"{state_name}\n{text}".encode()).hexdigest()[:16]


async def sounds_like_emergency(
    message: Message, state: FSMContext, user: User | None = None
) -> bool:
    """A private message whose text or caption sounds like an emergency, except a helper's
    repeat of a text that was already answered as one at this step."""
    text = message.text or message.caption
    if message.chat.type != "private" or user is None or not looks_like_emergency(text):
        return False
    if user.role in _HELPERS and user.is_onboarded:
        current = await state.get_state()
        if current is not None:
            data = await state.get_data()
            return data.get(_HEARD) != _fingerprint(current, text or "")
    return True


async def emergency_heard(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    text = message.text or message.caption or ""
    current = await state.get_state()
    helper_at_a_step = user.role in _HELPERS and user.is_onboarded and current is not None
    await answer_emergency(message.chat.id, text, state, session, user, settings, clock, i18n, bot)
    if helper_at_a_step:
        await state.update_data({_HEARD: _fingerprint(current, text)})
        await message.answer(
            _(
                "Not an emergency, but what you meant to write here (a notice about fire "
                "safety, a note about a fall last week)? Send the same text again and I will "
                "take it."
            )
        )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="emergency")
    router.message.register(emergency_heard, F.text | F.caption, sounds_like_emergency)
    return router
