"""The daily check-in in chat: the resident's one-tap answer ("I'm fine 👍" / "I need help 🙋"),
and the buttons on an alert for a missed check-in ("I'm handling it", "Reached them, all well",
"Could not reach them"). Every press is checked by the service against the presser and the
check-in as it is now; whoever was alerted hears how it ended (`bot.policy.notify.checkins`)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify
from bot.policy.notify.requests import request_submitted
from bot.services import checkins, requests
from bot.services.errors import (
    CheckinAnswered,
    CheckinNotFound,
    CheckinTaken,
    DomainError,
    NotAllowed,
)
from bot.views.checkins import name_of
from bot.views.texts import emergency_text
from handlers.checkins.common import person
from handlers.replies import not_yours_text, retire_buttons, send_main_menu


def _refusal(error: DomainError) -> str:
    if isinstance(error, CheckinTaken):
        if error.handler_name:
            return _("{name} is already handling it. Thank you!").format(name=error.handler_name)
        return _("Someone is already handling it. Thank you!")
    if isinstance(error, CheckinAnswered):
        return _("This check-in is already answered. Thank you!")
    return not_yours_text()


async def answer_checkin(
    callback: CallbackQuery, callback_data: CheckinAnswer, ctx: UpdateContext, bot: Bot
) -> None:
    user, session, clock = person(ctx), ctx.session, ctx.clock
    checkin_id = callback_data.checkin_id
    try:
        if callback_data.answer == "fine":
            outcome = await checkins.answer_fine(session, user, checkin_id, clock=clock)
        elif callback_data.answer == "help":
            outcome, request_id = await checkins.answer_need_help(
                session, user, checkin_id, clock=clock
            )
        else:
            raise CheckinNotFound()
    except (CheckinAnswered, CheckinNotFound, NotAllowed) as error:
        await callback.answer(_refusal(error), show_alert=True)
        await retire_buttons(callback)
        return
    await callback.answer()
    chat_id = callback.from_user.id
    if callback_data.answer == "fine":
        await retire_buttons(callback, _("I'm fine 👍"))
        await notify.answered_fine(ctx.notifier, outcome)
        await send_main_menu(
            bot,
            chat_id,
            user,
            _("Thank you, {name}! Glad you are well. Have a good day ☀️").format(name=name_of(user)),
        )
        return
    await retire_buttons(callback, _("I need help 🙋"))
    request = await requests.own_request(session, user, request_id)
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
        + emergency_text(ctx.settings),
    )


async def act_on_alert(
    callback: CallbackQuery, callback_data: CheckinAlertAction, ctx: UpdateContext
) -> None:
    user, session, clock = person(ctx), ctx.session, ctx.clock
    checkin_id = callback_data.checkin_id
    try:
        if callback_data.action == "take":
            outcome = await checkins.take_on(session, user, checkin_id, clock=clock)
            note = _("🙋 You are handling it. Please tell us how it went.")
        elif callback_data.action == "ok":
            outcome = await checkins.report_reached(session, user, checkin_id, clock=clock)
            note = _("✅ Reached them, all well. Thank you!")
        elif callback_data.action == "no":
            outcome, next_step = await checkins.report_not_reached(
                session, user, checkin_id, clock=clock
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
