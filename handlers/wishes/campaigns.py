"""A coordinator opens a campaign day (点亮心愿日), after the list of those under way (each
wish of their communities, lit or waiting): its name → its day → how many verified
wishes will join → open. Each group of the coordinator's communities then gets a live counter
that the scheduler keeps true, and when the day is over each community's coordinators get its
figures (`bot.policy.notify.wish_campaigns`)."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CampaignStep
from bot.context import UpdateContext
from bot.policy.notify import wish_campaigns as notify
from bot.policy.permissions import Action, may
from bot.services import wish_campaigns as campaigns
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.slots import local_today
from bot.views import wish_campaigns as views
from bot.views.texts import day_with_weekday
from bot.views.wishes import only_coordinators_text, private_only_text
from handlers.replies import retire_buttons, send_main_menu, stale_button_text
from handlers.wishes.states import CampaignFlow
from handlers.wizard import answer_now, ask, ask_once_more, pressed_then_ask

DAYS_AHEAD = 14


def _days(ctx: UpdateContext) -> list[date]:
    assert ctx.person is not None
    today = local_today(ctx.clock.now(), ctx.person.timezone)
    return [date.fromordinal(today.toordinal() + offset) for offset in range(DAYS_AHEAD)]


async def start(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if message.chat.type != "private":
        await message.answer(private_only_text())
        return
    if not may(ctx.person, Action.REVIEW_WISHES):
        await message.answer(only_coordinators_text())
        return
    await state.clear()
    for running in await campaigns.running_for(ctx.session, ctx.person, settings=ctx.settings):
        await message.answer(views.running_text(running))  # what is under way, then a new one
    await ask(
        message,
        state,
        CampaignFlow.title,
        views.title_question(),
        placeholder=views.title_placeholder(),
        stop=True,
    )


async def typed_title(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    try:
        title = campaigns.clean_title(message.text)
    except InvalidInput:
        await message.answer(views.title_invalid())
        return
    await state.update_data(title=title)
    await ask(
        message, state, CampaignFlow.day, views.day_question(), views.day_keyboard(_days(ctx))
    )


async def title_not_usable(message: Message) -> None:
    await message.answer(views.title_invalid())


async def chose_day(
    callback: CallbackQuery,
    callback_data: CampaignStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    days = {day.isoformat(): day for day in _days(ctx)}
    day = days.get(callback_data.value)
    if day is None:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    waiting = await campaigns.waiting_to_join(ctx.session, ctx.person, settings=ctx.settings)
    data = await state.get_data()
    await state.update_data(day=day.isoformat())
    if not waiting:
        await retire_buttons(callback, day_with_weekday(day))
        await state.clear()
        if isinstance(callback.message, Message) and ctx.person is not None:
            chat_id = callback.message.chat.id
            await send_main_menu(bot, chat_id, ctx.person, views.nothing_to_join_text())
        return
    await pressed_then_ask(
        callback,
        state,
        CampaignFlow.confirm,
        views.confirm_question(str(data.get("title", "")), day, waiting),
        views.confirm_keyboard(),
        note=day_with_weekday(day),
    )


async def confirmed(
    callback: CallbackQuery,
    callback_data: CampaignStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message, person = callback.message, ctx.person
    if callback_data.value not in ("yes", "no") or not isinstance(message, Message):
        await callback.answer(stale_button_text())
        return
    assert person is not None
    await answer_now(callback)
    data = await state.get_data()
    await state.clear()
    if callback_data.value == "no":
        await retire_buttons(callback)
        await send_main_menu(bot, message.chat.id, person, views.not_opened_text())
        return
    try:
        campaign, joined = await campaigns.open_campaign(
            ctx.session,
            person,
            title=str(data.get("title", "")),
            day=date.fromisoformat(str(data["day"])),
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except (InvalidInput, NotAllowed, KeyError, ValueError):
        await retire_buttons(callback)
        await send_main_menu(bot, message.chat.id, person, stale_button_text())
        return
    groups = await notify.post_counters(ctx.notifier, campaign)
    await retire_buttons(callback)
    await send_main_menu(bot, message.chat.id, person, views.opened_text(joined, groups))


async def expected_a_button(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="wish_campaigns")
    router.message.register(start, Command("campaign"))
    step = CampaignStep.filter
    router.message.register(typed_title, CampaignFlow.title, F.text)
    router.message.register(title_not_usable, CampaignFlow.title)
    router.callback_query.register(chose_day, CampaignFlow.day, step(F.field == "day"))
    router.callback_query.register(confirmed, CampaignFlow.confirm, step(F.field == "go"))
    router.message.register(expected_a_button, StateFilter(CampaignFlow.day, CampaignFlow.confirm))
    return router
