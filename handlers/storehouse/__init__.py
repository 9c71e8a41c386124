"""🌾 The storehouse (义仓), for coordinators, in their private chat: `/store` (or the button
in the fund's menu) shows the stock with its flags (⚠️ low, ⏳ food expiring within a week),
then ➕ goods received, ➖ goods given to a household, 🌟 a wish lit from the storehouse, and
🤝 pledges. Each button is checked against the conversation's step; the service checks the
presser's community."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import StoreStep
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services.errors import DomainError
from bot.views import storehouse as views
from handlers.audience import PRIVATE, for_audience
from handlers.fund import words_please
from handlers.replies import stale_button_text
from handlers.storehouse import goods, pledges
from handlers.storehouse.common import community_of, error_text, send_menu
from handlers.storehouse.states import BUTTONS, TYPED, StoreFlow
from handlers.wizard import ask_once_more

S = StoreFlow


async def show_store(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    community_id = await community_of(ctx)
    if community_id is None:
        await message.answer(views.several_communities_text())
        return
    await send_menu(message, ctx, community_id)


async def store_step(
    callback: CallbackQuery, callback_data: StoreStep, state: FSMContext, ctx: UpdateContext
) -> None:
    """Every button of /store, each only at the step that asked for it."""
    if not isinstance(callback.message, Message) or callback.message.chat.type != "private":
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    c = await community_of(ctx)
    if c is None:
        await callback.answer(views.several_communities_text(), show_alert=True)
        return
    action, data, step = callback_data.action, callback_data, await state.get_state()
    try:
        if action == "menu":
            await state.clear()
            await callback.answer()
            await send_menu(callback.message, ctx, c)
        elif action == "in":
            await goods.start_in(callback, state, ctx, c)
        elif action == "out":
            await goods.start_out(callback, state, ctx, c)
        elif action == "pledges":
            await pledges.show_pledges(callback, ctx, c)
        elif action == "newpledge":
            await pledges.start_pledge(callback, state, ctx, c)
        elif action == "wish":
            await pledges.start_wish(callback, state, ctx, c)
        elif action == "item" and step == S.item_in.state:
            await goods.picked_in(callback, state, ctx, data.value)
        elif action == "item" and step == S.item_out.state:
            await goods.picked_out(callback, state, ctx, data.value, c)
        elif action == "item" and step == S.pledge_item.state:
            await pledges.picked_item(callback, state, ctx, data.value)
        elif action == "item" and step == S.wish_item.state:
            await pledges.picked_wish_item(callback, state, ctx, data.value)
        elif action == "new" and step == S.item_in.state:
            await goods.new_kind(callback, state)
        elif action == "food" and step == S.new_food.state and data.value in (0, 1):
            await goods.food(callback, state, data)
        elif action == "noexp" and step == S.expiry.state:
            await goods.no_expiry(callback, state, ctx)
        elif action in ("anon", "pledge") and step == S.donor.state:
            await goods.donor_button(callback, state, ctx, data)
        elif action in ("hh", "hhpage") and step == S.household.state:
            await goods.picked_household(callback, state, ctx, data, c)
        elif action in ("hh", "hhpage", "shop") and step == S.pledge_who.state:
            await pledges.who(callback, state, ctx, data, c)
        elif action == "every" and step == S.pledge_every.state:
            await pledges.every(callback, state, data)
        elif action == "today" and step == S.pledge_start.state:
            await pledges.start_today(callback, state, ctx, c)
        elif action == "wpick" and step == S.wish.state:
            await pledges.picked_wish(callback, state, ctx, data.value, c)
        elif action == "how" and step == S.wish_how.state:
            await pledges.how(callback, state, ctx, data)
        else:
            await callback.answer(stale_button_text(), show_alert=True)
    except DomainError as error:
        await callback.answer(error_text(error)[:200], show_alert=True)


def _typed(
    handler: Callable[[Message, FSMContext, UpdateContext, int], Awaitable[None]],
) -> Callable[[Message, FSMContext, UpdateContext], Awaitable[None]]:
    """A typed step's handler that needs the community (a coordinator of several: refused)."""

    async def typed(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
        c = await community_of(ctx)
        if c is None:
            await state.clear()
            await message.answer(views.several_communities_text())
            return
        await handler(message, state, ctx, c)

    return typed


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(
        Router(name="storehouse"), Action.KEEP_STORE, views.coordinators_only_text
    )
    router.message.register(show_store, PRIVATE, Command("store"))
    router.callback_query.register(store_step, StoreStep.filter())
    typed = {
        S.new_name: goods.typed_name,
        S.new_unit: goods.typed_unit,
        S.new_low: _typed(goods.typed_low),
        S.qty_in: goods.typed_quantity_in,
        S.expiry: _typed(goods.typed_expiry),
        S.donor: goods.typed_donor,
        S.qty_out: goods.typed_quantity_out,
        S.shop_name: _typed(pledges.typed_shop),
        S.pledge_qty: pledges.typed_quantity,
        S.pledge_days: pledges.typed_days,
        S.pledge_start: _typed(pledges.typed_start),
        S.wish_qty: pledges.typed_wish_quantity,
    }
    for step, handler in typed.items():
        router.message.register(handler, PRIVATE, F.text, step)
    router.message.register(ask_once_more, PRIVATE, StateFilter(*BUTTONS))
    router.message.register(words_please, PRIVATE, StateFilter(*TYPED))
    return router
