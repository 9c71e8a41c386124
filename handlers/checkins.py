"""The daily check-in in chat: the resident's one-tap answer ("I'm fine 👍" / "I need help 🙋"),
and the buttons on an alert for a missed check-in ("I'm handling it", "Reached them, all well",
"Could not reach them"). Every press is checked by the service against the presser and the
check-in as it is now; whoever was alerted hears how it ended."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.policy.notify.requests import request_submitted
from bot.services import checkins, requests
from bot.services.errors import (
    CheckinAnswered,
    CheckinNotFound,
    CheckinTaken,
    DomainError,
    NotAllowed,
)
from bot.views.checkins import name_of, tell_outcome, tell_step
from bot.views.texts import emergency_text
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


async def answer_checkin(
    callback: CallbackQuery,
    callback_data: CheckinAnswer,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    notifier = Notifier(session, settings, clock, i18n)
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
        if outcome.was_alerted:
            await tell_outcome(notifier, outcome, "fine")
        await send_main_menu(
            bot,
            chat_id,
            user,
            _("Thank you, {name}! Glad you are well. Have a good day ☀️").format(name=name_of(user)),
        )
        return
    await retire_buttons(callback, _("I need help 🙋"))
    request = await requests.own_request(session, user, request_id)
    await request_submitted(notifier, request, user, emergency=True)
    await tell_outcome(notifier, outcome, "help", with_details=True)
    await send_main_menu(
        bot,
        chat_id,
        user,
        _(
            "🙋 We are on it: the coordinators and the people on your list have been told "
            "(<b>Request no. {ref}</b>). Someone will contact you soon."
        ).format(ref=requests.reference(request))
        + "\n\n"
        + emergency_text(settings),
    )


async def act_on_alert(
    callback: CallbackQuery,
    callback_data: CheckinAlertAction,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    notifier = Notifier(session, settings, clock, i18n)
    checkin_id = callback_data.checkin_id
    next_step = None
    try:
        if callback_data.action == "take":
            outcome = await checkins.take_on(session, user, checkin_id, clock=clock)
            what, note = "taken", _("🙋 You are handling it. Please tell us how it went.")
        elif callback_data.action == "ok":
            outcome = await checkins.report_reached(session, user, checkin_id, clock=clock)
            what, note = "reached", _("✅ Reached them, all well. Thank you!")
        elif callback_data.action == "no":
            outcome, next_step = await checkins.report_not_reached(
                session, user, checkin_id, clock=clock
            )
            what, note = "not_reached", _("📵 Noted: you could not reach them.")
        else:
            raise CheckinNotFound()
    except (CheckinAnswered, CheckinNotFound, CheckinTaken, NotAllowed) as error:
        await callback.answer(_refusal(error), show_alert=True)
        return
    await callback.answer(note[:200])
    if what != "taken":
        await retire_buttons(callback, note)
    await tell_outcome(notifier, outcome, what)
    if what == "not_reached" and next_step is not None:
        await tell_step(notifier, next_step)  # the next person of the chain, now


def build_router() -> Router:
    router = Router(name="checkins")
    router.callback_query.register(answer_checkin, CheckinAnswer.filter())
    router.callback_query.register(act_on_alert, CheckinAlertAction.filter())
    return router
