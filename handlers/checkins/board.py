"""/checkins (and the menu's "🔔 Daily check-in", "📋 Check-ins today"): each role sees its own
view. A resident their plan; the coordinators today's board (escalated, waiting, away,
answered) with "checked in for them" buttons; a volunteer the residents whose chain they are
in. "I called her, she's fine" closes the day for coordinators and the chain's volunteers."""

from __future__ import annotations

from aiogram import Bot, html
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinProxy
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify
from bot.policy.permissions import Action, is_helper
from bot.services import checkins
from bot.services.errors import CheckinNotFound, DomainError, NotAllowed
from bot.services.schedule import local_date
from bot.views import checkin_board as views
from bot.views.texts import day_with_weekday
from handlers.checkins.common import person
from handlers.checkins.own_plan import show_own_plan
from handlers.common import show_details
from handlers.replies import not_registered_text, retire_buttons, stale_button_text


async def checkins_entry(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    """/checkins and the menu buttons: each role sees its own view."""
    await state.clear()
    chat_id = message.chat.id
    if ctx.may(Action.HAVE_CHECKINS):
        await show_own_plan(chat_id, ctx, bot)
    elif ctx.may(Action.PLAN_CHECKINS):
        await _show_board(chat_id, ctx, bot)
    elif is_helper(ctx.person):
        await _show_watched(chat_id, ctx, bot)
    else:
        await message.answer(not_registered_text())


async def _show_board(chat_id: int, ctx: UpdateContext, bot: Bot) -> None:
    """Today's board of the communities the coordinator acts in, by their community's day."""
    timezone = (await ctx.community()).timezone
    lines = await checkins.today_board(
        ctx.session, person(ctx), settings=ctx.settings, clock=ctx.clock, timezone=timezone
    )
    if not lines:
        await bot.send_message(
            chat_id, _("Nobody has daily check-ins yet. “➕ Enrol in check-ins” adds someone.")
        )
        return
    today = local_date(ctx.clock.now(), timezone)
    await bot.send_message(
        chat_id, views.board_text(lines, today), reply_markup=views.board_keyboard(lines)
    )


async def _show_watched(chat_id: int, ctx: UpdateContext, bot: Bot) -> None:
    timezone = (await ctx.community()).timezone
    lines = await checkins.watched_board(
        ctx.session, person(ctx), clock=ctx.clock, timezone=timezone
    )
    if not lines:
        await bot.send_message(
            chat_id, _("You are not on anyone's check-in list. Thank you for looking!")
        )
        return
    today = local_date(ctx.clock.now(), timezone)
    title = _("📋 Check-ins of the people you look after, {day}").format(
        day=day_with_weekday(today)
    )
    rows = [views.proxy_button(line.resident) for line in lines[: views.BOARD_BUTTONS]]
    await bot.send_message(
        chat_id,
        views.board_text(lines, today, title=title),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None,
    )


async def proxy_action(
    callback: CallbackQuery, callback_data: CheckinProxy, ctx: UpdateContext
) -> None:
    """ "I called her, she's fine": coordinators and the volunteers of her chain only, once a
    day; everyone who was alerted hears it."""
    user = person(ctx)
    try:
        resident, already = await checkins.plan_to_cover(
            ctx.session, user, callback_data.resident_id, settings=ctx.settings, clock=ctx.clock
        )
    except NotAllowed:
        await callback.answer(
            _("Only coordinators, and volunteers on this person's list, can do this."), True
        )
        return
    except CheckinNotFound:
        await callback.answer(_("This person has no daily check-ins now."), show_alert=True)
        await retire_buttons(callback)
        return
    name = resident.display_name or "—"
    if callback_data.action == "no":
        await callback.answer()
        await retire_buttons(callback, _("↩️ Not yet"))
        return
    if already:
        await callback.answer(
            _("Already noted today: {name} is well. Thank you!").format(name=name), True
        )
        if callback_data.action == "yes":
            await retire_buttons(callback)
        return
    if callback_data.action == "ask":
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(
                _(
                    "☎️ Did you reach {name} today, and all is well? Their open check-in is "
                    "closed, and no more are sent today."
                ).format(name=html.quote(name)),
                reply_markup=views.proxy_confirm_keyboard(resident),
            )
        return
    if callback_data.action != "yes":
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        outcomes = await checkins.check_in_for(
            ctx.session, user, resident.id, kind="call", settings=ctx.settings, clock=ctx.clock
        )
    except DomainError:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    for outcome in outcomes:
        await notify.checked_in_for(ctx.notifier, outcome)
    await callback.answer(_("✅ Thank you! Noted."))
    await retire_buttons(
        callback,
        _("✅ Noted: {name} is well today. No more check-ins are sent to them today.").format(
            name=name
        ),
    )


async def details_in_steps(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """ "👤 My details" from the menu ends the set-up (nothing was saved) and shows them."""
    await state.clear()
    await show_details(message, person(ctx), ctx.i18n, bot)
