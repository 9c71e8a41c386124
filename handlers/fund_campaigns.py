"""📣 Campaigns of the fund, from 💰 Mutual-aid fund: the open ones (each with ✖️ Close), and
➕ Open a campaign: its name (no digits: it is shown in the groups) → its goal → until when →
open. The community's groups then get its progress message, edited as money comes in
(`bot.policy.notify.fund_campaigns`). In a private chat only: names and amounts are typed."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundCampaignStep
from bot.context import UpdateContext
from bot.policy.notify import fund_campaigns as notify
from bot.policy.permissions import Action
from bot.services import fund, fund_campaigns
from bot.services.errors import DomainError
from bot.services.slots import local_today
from bot.views import fund as fund_views
from bot.views import fund_campaigns as views
from bot.views import keyboards
from handlers.audience import PRIVATE, for_audience
from handlers.replies import edit_pressed, stale_button_text
from handlers.wizard import ask, ask_once_more, pressed_then_ask


class FundCampaignFlow(StatesGroup):
    title = State()  # typed, no digits
    goal = State()  # typed amount
    end = State()  # until when (button)
    confirm = State()  # open it or not (button)


async def _community(ctx: UpdateContext) -> int | None:
    scope = await ctx.scope()
    return next(iter(scope)) if len(scope) == 1 else None


async def campaign_step(
    callback: CallbackQuery, callback_data: FundCampaignStep, state: FSMContext,
    ctx: UpdateContext,
) -> None:  # fmt: skip
    action, step = callback_data.action, await state.get_state()
    message = callback.message
    if not isinstance(message, Message) or message.chat.type != "private":
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    community_id = await _community(ctx)
    if community_id is None:
        await callback.answer(fund_views.several_communities_text(), show_alert=True)
        return
    now = ctx.clock.now()
    try:
        if action == "list":
            found = await fund_campaigns.open_ones(
                ctx.session, ctx.person, community_id, ctx.settings
            )
            await callback.answer()
            await message.answer(
                views.campaigns_text(found), reply_markup=views.campaigns_keyboard(found)
            )
        elif action == "new":
            await fund.keeper_of(ctx.session, ctx.settings, ctx.person, community_id)
            await state.clear()
            await pressed_then_ask(
                callback, state, FundCampaignFlow.title, views.title_question(),
                placeholder=views.title_placeholder(), stop=True,
            )  # fmt: skip
        elif action == "end" and step == FundCampaignFlow.end.state:
            if callback_data.value not in (0, *views.END_DAYS):
                raise fund_campaigns.CampaignNotFound()
            timezone = (await ctx.notifier.community(community_id)).timezone
            today = local_today(now, timezone)
            ends = date.fromordinal(today.toordinal() + callback_data.value)
            ends_on = ends if callback_data.value else None
            await state.update_data(ends_on=ends_on.isoformat() if ends_on else None)
            data = await state.get_data()
            currency = (await ctx.notifier.community(community_id)).currency
            text = views.confirm_question(str(data["title"]), int(data["goal"]), currency, ends_on)
            await pressed_then_ask(
                callback, state, FundCampaignFlow.confirm, text, views.confirm_keyboard(),
                note=views.end_label(ends_on),
            )  # fmt: skip
        elif action == "go" and step == FundCampaignFlow.confirm.state:
            data = await state.get_data()
            await state.clear()
            ends_on = date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None
            campaign = await fund_campaigns.open_campaign(
                ctx.session, ctx.person, community_id=community_id, title=str(data["title"]),
                goal=int(data["goal"]), ends_on=ends_on, now=now, settings=ctx.settings,
            )  # fmt: skip
            groups = await notify.post_progress(ctx.notifier, campaign)
            await callback.answer()
            await edit_pressed(callback, None, None)
            await message.answer(views.opened_text(groups), reply_markup=_menu(ctx))
        elif action == "no" and step == FundCampaignFlow.confirm.state:
            await state.clear()
            await callback.answer()
            await edit_pressed(callback, None, None)
            await message.answer(views.not_opened_text(), reply_markup=_menu(ctx))
        elif action == "close":
            campaign = await fund_campaigns.close_campaign(
                ctx.session, ctx.person, callback_data.value, community_id=community_id,
                now=now, settings=ctx.settings,
            )  # fmt: skip
            await notify.refresh_progress(ctx.notifier, campaign)
            await callback.answer(views.closed_text(), show_alert=True)
            found = await fund_campaigns.open_ones(
                ctx.session, ctx.person, community_id, ctx.settings
            )
            await edit_pressed(
                callback, views.campaigns_text(found), views.campaigns_keyboard(found)
            )
        else:
            await callback.answer(stale_button_text(), show_alert=True)
    except fund_campaigns.CampaignClosed:
        await callback.answer(views.closed_already_text(), show_alert=True)
    except fund_campaigns.CampaignNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
    except DomainError as error:
        await callback.answer(fund_views.fund_error_text(error)[:200], show_alert=True)


def _menu(ctx: UpdateContext) -> ReplyKeyboardMarkup:
    return keyboards.main_menu(ctx.person.role if ctx.person else None)


async def typed_title(message: Message, state: FSMContext) -> None:
    try:
        title = fund_campaigns.clean_title(message.text)
    except fund_campaigns.TitleInvalid:
        await message.answer(views.title_invalid())
        return
    await state.update_data(title=title)
    await ask(message, state, FundCampaignFlow.goal, views.goal_question(), stop=True)


async def typed_goal(message: Message, state: FSMContext) -> None:
    goal = fund.parse_amount(message.text)
    if goal is None:
        await message.answer(fund_views.type_amount_text())
        return
    await state.update_data(goal=goal)
    await ask(message, state, FundCampaignFlow.end, *views.end_question())


async def words_please(message: Message) -> None:
    await message.answer(_("Please type your answer in a message ✍️"))


def _coordinators_only() -> str:
    return _("Only the community's coordinators keep the fund.")


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="fund_campaigns"), Action.KEEP_FUND, _coordinators_only)
    router.callback_query.register(campaign_step, FundCampaignStep.filter())
    router.message.register(typed_title, PRIVATE, F.text, FundCampaignFlow.title)
    router.message.register(typed_goal, PRIVATE, F.text, FundCampaignFlow.goal)
    buttons = StateFilter(FundCampaignFlow.end, FundCampaignFlow.confirm)
    router.message.register(ask_once_more, PRIVATE, buttons)
    typing = StateFilter(FundCampaignFlow.title, FundCampaignFlow.goal)
    router.message.register(words_please, PRIVATE, typing)
    return router
