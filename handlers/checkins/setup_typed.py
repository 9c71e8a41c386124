"""What people type in the set-up wizard: part of a name to find someone, a time, "name phone"
of someone to phone. Anything that cannot be used (or a sticker where a button is expected)
asks the step's question again, saying why."""

from __future__ import annotations

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import checkins
from bot.services.errors import NameEmpty, NameTooLong, PhoneInvalid
from bot.services.schedule import parse_time, time_label
from bot.views import checkin_setup as views
from handlers.checkins.common import bad_input_note
from handlers.checkins.setup import SELF, CheckinSetup, ask_step, own_plan_to_agree, repeat_question
from handlers.checkins.setup_steps import add_time


def _search(message: Message) -> str | None:
    """A typed part of a name, or None when it cannot be one."""
    query = (message.text or "").strip()
    return query if query and not query.startswith("/") and len(query) <= 64 else None


async def typed_resident_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    query = _search(message)
    if not ctx.may(Action.PLAN_CHECKINS) or query is None:
        await repeat_question(message, state, ctx, bad_input_note())
        return
    await state.update_data(query=query, offset=0)
    await repeat_question(message, state, ctx)


async def typed_time(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A typed time is added like a tapped one; anything else repeats the question."""
    try:
        label = time_label(parse_time(message.text or ""))
    except ValueError:
        note = _("Please tap the times you want, or write a time like 14:30.")
        await repeat_question(message, state, ctx, note)
        return
    chosen: list[str] = list((await state.get_data()).get("times", []))
    if label in chosen:
        note = _("{time} is already chosen. 👍").format(time=label)
    else:
        chosen, refusal = add_time(label, chosen, ctx)
        if refusal is None:
            await state.update_data(times=chosen)
        note = refusal or _("✅ Added: {time}.").format(time=label)
    await repeat_question(message, state, ctx, note)


async def typed_volunteer_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    query = _search(message)
    if query is None:
        await repeat_question(message, state, ctx, bad_input_note())
        return
    await state.update_data(vquery=query, voffset=0)
    await repeat_question(message, state, ctx)


async def typed_contact(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    try:
        name, phone = checkins.contact_from_text(message.text or "")
    except NameTooLong as error:
        note = _("That name is too long. Please keep it under {limit} characters.").format(
            limit=error.limit
        )
        await repeat_question(message, state, ctx, note)
        return
    except (NameEmpty, PhoneInvalid):
        note = _(
            "Please write the name and then the phone number, with digits, for example: "
            "Li Na 13800138000"
        )
        await repeat_question(message, state, ctx, note)
        return
    data = await state.get_data()
    contacts = [*data.get("contacts", []), {"name": name, "phone": phone}]
    await state.update_data(contacts=contacts)
    if len(contacts) < checkins.MAX_PHONE_CONTACTS:
        await message.answer(
            views.contact_added(name, len(contacts)),
            reply_markup=views.contact_keyboard(len(contacts)),
        )
        return
    await message.answer(views.contact_added(name, len(contacts)))  # the chain is full
    if data.get("mode") == SELF:
        await own_plan_to_agree(message, state, ctx, bot)
    else:
        await ask_step(message, state, ctx, CheckinSetup.confirm)


async def expected_button(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Free text, a sticker, a photo... where a button is expected: the question again."""
    await repeat_question(message, state, ctx, bad_input_note())
