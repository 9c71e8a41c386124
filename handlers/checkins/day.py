"""The daily check-in in chat: the resident's one-tap answer ("I'm fine 👍" / "I need help 🙋",
or the same typed in her words: "我很好", "好", "ok", "不好", "我需要帮助"),
and the buttons on an alert for a missed check-in ("I'm handling it", "Reached them, all well",
"Could not reach them"). Every press is checked by the service against the presser and the
check-in as it is now; whoever was alerted hears how it ended (`bot.policy.notify.checkins`)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify
from bot.policy.notify.requests import request_submitted
from bot.policy.permissions import Action, may
from bot.services import checkins, requests
from bot.services.errors import (
    CheckinAnswered,
    CheckinNotFound,
    CheckinTaken,
    DomainError,
    NotAllowed,
)
from bot.understanding.answers import Answer, answer_in
from bot.views.checkins import name_of
from bot.views.texts import emergency_text
from handlers.checkins.common import person
from handlers.replies import not_yours_text, retire_buttons, send_main_menu
from storage.models import User


def _refusal(error: DomainError) -> str:
    if isinstance(error, CheckinTaken):
        if error.handler_name:
            return _("{name} is already handling it. Thank you!").format(name=error.handler_name)
        return _("Someone is already handling it. Thank you!")
    if isinstance(error, CheckinAnswered):
        return _("This check-in is already answered. Thank you!")
    return not_yours_text()


async def _record(
    ctx: UpdateContext, user: User, answer: str, checkin_id: int
) -> tuple[checkins.Outcome, int | None]:
    """The resident's answer, checked by the service: the outcome, and the request of an
    "I need help"."""
    session, clock = ctx.session, ctx.clock
    if answer == "fine":
        return await checkins.answer_fine(session, user, checkin_id, clock=clock), None
    if answer == "help":
        return await checkins.answer_need_help(session, user, checkin_id, clock=clock)
    raise CheckinNotFound()


async def _answered(
    ctx: UpdateContext,
    bot: Bot,
    chat_id: int,
    answer: str,
    outcome: checkins.Outcome,
    request_id: int | None,
) -> None:
    """Everyone alerted hears of the answer; she gets the thanks (or "we are on it") with her
    menu."""
    user = person(ctx)
    if answer == "fine" or request_id is None:
        await notify.answered_fine(ctx.notifier, outcome)
        await send_main_menu(
            bot,
            chat_id,
            user,
            _("Thank you, {name}! Glad you are well. Have a good day ☀️").format(name=name_of(user)),
        )
        return
    request = await requests.own_request(ctx.session, user, request_id)
    await request_submitted(ctx.notifier, request, user, emergency=True)
    await notify.asked_for_help(ctx.notifier, outcome)
    await send_main_menu(
        bot,
        chat_id,
        user,
        _(
            "🙋 We are on it: the coordinators and the people on your list have been told "
            "(<b>Request no. {ref}</b>). Someone will contact you soon."
        ).format(ref=requests.reference(request))
        + "\n\n"
        + emergency_text(await ctx.community()),
    )


async def answer_checkin(
    callback: CallbackQuery, callback_data: CheckinAnswer, ctx: UpdateContext, bot: Bot
) -> None:
    answer = callback_data.answer
    try:
        outcome, request_id = await _record(ctx, person(ctx), answer, callback_data.checkin_id)
    except (CheckinAnswered, CheckinNotFound, NotAllowed) as error:
        await callback.answer(_refusal(error), show_alert=True)
        await retire_buttons(callback)
        return
    await callback.answer()
    await retire_buttons(callback, _("I'm fine 👍") if answer == "fine" else _("I need help 🙋"))
    await _answered(ctx, bot, callback.from_user.id, answer, outcome, request_id)


async def typed_checkin_answer(
    message: Message, user: User | None = None, session: AsyncSession | None = None
) -> bool | dict[str, Any]:
    """A filter: a private message that is a short "I'm fine" ("我很好", "好", "ok"...) or
    "I need help" ("不好", "我需要帮助"...) from someone with a check-in waiting for an answer
    (its id and the answer, for the handler). Anyone else's words go on as usual."""
    if message.chat.type != "private" or user is None or session is None:
        return False
    typed = answer_in(message.text)
    if typed not in (Answer.FINE, Answer.NEED_HELP) or not may(user, Action.HAVE_CHECKINS):
        return False
    checkin = await checkins.open_checkin_of(session, user)
    if checkin is None:
        return False
    return {"checkin_id": checkin.id, "typed_answer": typed.value}


async def typed_answer(
    message: Message, checkin_id: int, typed_answer: str, ctx: UpdateContext, bot: Bot
) -> None:
    """ "我很好" typed instead of tapped answers the check-in as the button would; any step she
    was on stays where it was."""
    try:
        outcome, request_id = await _record(ctx, person(ctx), typed_answer, checkin_id)
    except (CheckinAnswered, CheckinNotFound, NotAllowed) as error:
        await send_main_menu(bot, message.chat.id, person(ctx), _refusal(error))
        return
    buttons = CheckinAnswer(answer="fine", checkin_id=checkin_id).pack()
    sent = await checkins.answer_buttons_sent(ctx.session, person(ctx), checkin_id, buttons)
    await _answered(ctx, bot, message.chat.id, typed_answer, outcome, request_id)
    for message_id in sent:  # answered: its buttons have nothing left to do
        with suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message_id, reply_markup=None
            )


async def act_on_alert(
    callback: CallbackQuery, callback_data: CheckinAlertAction, ctx: UpdateContext
) -> None:
    user, session, clock, settings = person(ctx), ctx.session, ctx.clock, ctx.settings
    checkin_id = callback_data.checkin_id
    try:
        if callback_data.action == "take":
            outcome = await checkins.take_on(
                session, user, checkin_id, settings=settings, clock=clock
            )
            note = _("🙋 You are handling it. Please tell us how it went.")
        elif callback_data.action == "ok":
            outcome = await checkins.report_reached(
                session, user, checkin_id, settings=settings, clock=clock
            )
            note = _("✅ Reached them, all well. Thank you!")
        elif callback_data.action == "no":
            outcome, next_step = await checkins.report_not_reached(
                session, user, checkin_id, settings=settings, clock=clock
            )
            note = _("📵 Noted: you could not reach them.")
        else:
            raise CheckinNotFound()
    except (CheckinAnswered, CheckinNotFound, CheckinTaken, NotAllowed) as error:
        await callback.answer(_refusal(error), show_alert=True)
        return
    await callback.answer(note[:200])
    if callback_data.action == "take":
        await notify.taken_on(ctx.notifier, outcome)
        return
    await retire_buttons(callback, note)
    if callback_data.action == "ok":
        await notify.reached(ctx.notifier, outcome)
    else:
        await notify.not_reached(ctx.notifier, outcome, next_step)
