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
from aiogram.utils.i18n import gettext as _

from bot.context import UpdateContext
from bot.policy.notify import requests as notify
from bot.policy.permissions import Action, may
from bot.services import requests
from bot.services.emergency import looks_like_emergency
from bot.views.texts import emergency_text
from handlers.concerns.raising import concern_emergency
from handlers.concerns.states import is_raising
from handlers.replies import send_main_menu
from handlers.requests.states import is_asking
from storage.models import RequestCategory, User

_HEARD = "emergency_heard"  # in a helper's conversation data: the text already answered


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
    if may(user, Action.HEAR_EMERGENCY_TWICE):
        current = await state.get_state()
        if current is not None:
            data = await state.get_data()
            return data.get(_HEARD) != _fingerprint(current, text or "")
    return True


async def answer_emergency(
    chat_id: int, text: str, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """The one emergency answer: numbers first (they matter most), then record it and alert
    the coordinators (committed before the next message goes, by the commit-before-request
    middleware), then say so. A request being written becomes the emergency (what was said so
    far goes with it, and that conversation is over); any other conversation stays where it
    was, so nothing entered before is lost and the person can carry on."""
    user = ctx.person
    assert user is not None
    await bot.send_message(chat_id, emergency_text(await ctx.community()))
    current = await state.get_state()
    drafting = is_asking(current)
    data = await state.get_data() if drafting else {}
    description = "\n".join(part for part in (data.get("description"), text) if part)
    request = await requests.submit_emergency(
        ctx.session,
        user,
        category=RequestCategory(data.get("category", RequestCategory.OTHER.value)),
        description=description,
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
        clock=ctx.clock,
    )
    if drafting:
        await state.clear()
    await notify.request_submitted(ctx.notifier, request, user, emergency=True)
    closing = _(
        "I have alerted the coordinators (<b>Request no. {ref}</b>). "
        "They will contact you as soon as they can."
    ).format(ref=requests.reference(request))
    if current is not None and not drafting:
        closing += "\n\n" + _("When you are ready, you can carry on where you left off.")
    if user.is_onboarded:
        await send_main_menu(bot, chat_id, user, closing)
    else:  # registering: no menu yet, and the keyboard of their step stays
        await bot.send_message(chat_id, closing)


async def emergency_heard(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    text = message.text or message.caption or ""
    current = await state.get_state()
    if is_raising(current):  # about a neighbour: the concern becomes the urgent alert
        await concern_emergency(message.chat.id, text, state, ctx, bot)
        return
    helper_at_a_step = ctx.may(Action.HEAR_EMERGENCY_TWICE) and current is not None
    await answer_emergency(message.chat.id, text, state, ctx, bot)
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
