"""A resident's own check-ins, from "🔔 Daily check-in": with no plan, the offer to set one up;
with a proposal, who will be told and "agree" or "decline"; with an active plan, "I'm away"
(check-ins resume by themselves), "I'm back", "Stop my check-ins". Only their own plan, only
in the state it is in: every press is checked against the plan as it is now."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinPlanAction
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify
from bot.policy.permissions import Action
from bot.services import checkins
from bot.services.errors import CheckinAnswered, CheckinNotFound, PauseDateInvalid
from bot.services.schedule import local_date, parse_day
from bot.views import checkin_setup as views
from handlers.checkins.common import not_on_now, person
from handlers.replies import not_yours_text, retire_buttons, send_main_menu, stale_button_text
from handlers.wizard import pressed_then_ask
from storage.models import CheckinPlan, CheckinPlanStatus


class AwayFlow(StatesGroup):
    back_on = State()  # a resident typing the day they will be back


async def show_own_plan(chat_id: int, ctx: UpdateContext, bot: Bot) -> None:
    user = person(ctx)
    plan = await checkins.plan_for(ctx.session, user.id)
    if plan is None or plan.status is CheckinPlanStatus.STOPPED:
        await bot.send_message(
            chat_id, views.no_plan_text(), reply_markup=views.self_start_keyboard()
        )
        return
    links = await checkins.describe_chain(ctx.session, plan)
    if plan.status is CheckinPlanStatus.PROPOSED:
        proposer = await checkins.proposer_of(ctx.session, plan)
        await bot.send_message(
            chat_id,
            views.proposal_text(plan, links, proposer),
            reply_markup=views.proposal_keyboard(plan),
        )
        return
    back_on = checkins.back_on(plan, user, ctx.clock.now())
    await bot.send_message(
        chat_id,
        views.plan_text(plan, links, back_on),
        reply_markup=views.plan_keyboard(plan, paused=back_on is not None),
    )


async def plan_action(
    callback: CallbackQuery,
    callback_data: CheckinPlanAction,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """A resident's buttons on their own plan: only their own plan, only in the state it is in."""
    user = person(ctx)
    plan = await checkins.plan_for(ctx.session, user.id) if ctx.may(Action.HAVE_CHECKINS) else None
    if plan is None or plan.id != callback_data.plan_id:
        await callback.answer(not_yours_text(), show_alert=True)
        return
    action = callback_data.action
    if action in ("agree", "decline"):
        await _answer_proposal(callback, callback_data, plan, ctx, bot)
        return
    if plan.status is not CheckinPlanStatus.ACTIVE:
        await callback.answer(not_on_now(), show_alert=True)
        await retire_buttons(callback)
        return
    chat_id = callback.from_user.id
    if action == "away":
        await callback.answer()
        await bot.send_message(
            chat_id, views.away_question(), reply_markup=views.away_keyboard(plan)
        )
        await state.set_state(AwayFlow.back_on)
        await state.update_data(plan_id=plan.id)
    elif action == "days" and callback_data.value in views.AWAY_CHOICES:
        back_on = local_date(ctx.clock.now(), user.timezone) + timedelta(days=callback_data.value)
        await callback.answer()
        await retire_buttons(callback)
        await _pause(chat_id, state, ctx, back_on, bot)
    elif action == "date":
        await state.update_data(plan_id=plan.id)
        await pressed_then_ask(callback, state, AwayFlow.back_on, views.date_question())
    elif action == "back":
        await _come_back(callback, plan, ctx, bot)
    elif action == "stop":
        await callback.answer()
        await bot.send_message(
            chat_id,
            _("Stop your daily check-ins? Then nobody is told if you do not answer."),
            reply_markup=views.stop_keyboard(plan),
        )
    elif action == "stopyes":
        await checkins.stop_plan(ctx.session, user, user, clock=ctx.clock)
        await callback.answer()
        await retire_buttons(callback, _("⏹ Yes, stop them"))
        await notify.plan_stopped(ctx.notifier, user)
        await send_main_menu(
            bot,
            chat_id,
            user,
            _("⏹ Your daily check-ins have stopped. Tap “🔔 Daily check-in” to start again."),
        )
    elif action == "keep":
        await callback.answer()
        await retire_buttons(callback, _("👍 Good, your check-ins stay on."))
    else:
        await callback.answer(stale_button_text(), show_alert=True)


async def _answer_proposal(
    callback: CallbackQuery,
    callback_data: CheckinPlanAction,
    plan: CheckinPlan,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """Agree or decline, once, and only to the proposal the buttons were drawn for."""
    if plan.status is not CheckinPlanStatus.PROPOSED or callback_data.stamp != views.stamp_of(plan):
        if plan.status is CheckinPlanStatus.ACTIVE:
            text = _("You have already said yes. Your check-ins are on. 👍")
        else:
            text = stale_button_text()
        await callback.answer(text, show_alert=True)
        await retire_buttons(callback)
        return
    user, clock = person(ctx), ctx.clock
    proposer = await checkins.proposer_of(ctx.session, plan)
    chat_id = callback.from_user.id
    if callback_data.action == "agree":
        try:
            plan = await checkins.agree_to_plan(ctx.session, user, plan.id, clock=clock)
        except (CheckinAnswered, CheckinNotFound):
            await callback.answer(stale_button_text(), show_alert=True)
            return
        await callback.answer()
        await retire_buttons(callback, _("✅ Yes, start my check-ins"))
        await notify.plan_agreed(ctx.notifier, plan, user, proposer)
        first = plan.next_checkin_at
        when = views.moment_label(first, user.timezone, clock.now()) if first else "—"
        await send_main_menu(
            bot,
            chat_id,
            user,
            _(
                "✅ Thank you! Your daily check-ins have started. The first one comes {when}.\n"
                "Tap “🔔 Daily check-in” to see them, or to say you are away."
            ).format(when=when),
        )
        return
    await checkins.stop_plan(ctx.session, user, user, clock=clock)
    await callback.answer()
    await retire_buttons(callback, _("✖️ No, thank you"))
    await notify.plan_declined(ctx.notifier, user, proposer)
    await send_main_menu(
        bot,
        chat_id,
        user,
        _("All right, no check-ins. If you change your mind, tap “🔔 Daily check-in”."),
    )


async def _pause(
    chat_id: int, state: FSMContext, ctx: UpdateContext, back_on: date, bot: Bot
) -> bool:
    """Pause until `back_on`; False (and the reason said) when that day cannot be used."""
    user = person(ctx)
    try:
        await checkins.pause_until(ctx.session, user, back_on, clock=ctx.clock)
    except PauseDateInvalid:
        await bot.send_message(
            chat_id,
            _("Please choose a day from tomorrow up to {days} days ahead.").format(
                days=checkins.MAX_PAUSE_DAYS
            ),
        )
        return False
    except CheckinNotFound:
        await state.clear()
        await send_main_menu(bot, chat_id, user, not_on_now())
        return False
    await state.clear()
    await send_main_menu(bot, chat_id, user, views.paused_text(back_on))
    return True


async def typed_back_on(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    today = local_date(ctx.clock.now(), person(ctx).timezone)
    back_on = parse_day(message.text or "", today)
    if back_on is None:
        await message.answer(
            _("Sorry, I could not read that day.") + "\n\n" + views.date_question()
        )
        return
    await _pause(message.chat.id, state, ctx, back_on, bot)


async def back_on_not_text(message: Message) -> None:
    await message.answer(views.date_question())


async def _come_back(
    callback: CallbackQuery, plan: CheckinPlan, ctx: UpdateContext, bot: Bot
) -> None:
    user, clock = person(ctx), ctx.clock
    if not checkins.is_paused(plan, clock.now()):
        await callback.answer(_("Your check-ins are already on. 👍"), show_alert=True)
        await retire_buttons(callback)
        return
    plan = await checkins.resume(ctx.session, user, clock=clock)
    await callback.answer()
    await retire_buttons(callback, _("▶️ I'm back"))
    first = plan.next_checkin_at
    when = views.moment_label(first, user.timezone, clock.now()) if first else "—"
    await send_main_menu(
        bot,
        callback.from_user.id,
        user,
        _("▶️ Welcome back! Your check-ins are on again. The next one comes {when}.").format(
            when=when
        ),
    )
