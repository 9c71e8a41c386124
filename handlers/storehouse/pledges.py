"""/store's pledges (a household or a shop promising a recurring gift: recorded, listed with
this month's expected against received) and a wish lit from the storehouse."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import StoreStep
from bot.context import UpdateContext
from bot.policy.notify import wishes as notify_wishes
from bot.services import households, store_pledges, store_wishes, storehouse
from bot.services.errors import DomainError
from bot.views import store_pledges as views
from bot.views import storehouse as store_views
from handlers.replies import edit_pressed, stale_button_text
from handlers.storehouse.common import error_text, main_menu, number
from handlers.storehouse.states import StoreFlow
from handlers.wizard import answer_now, ask, pressed_then_ask
from storage.models import PledgeCadence, WishDelivery


async def show_pledges(callback: CallbackQuery, ctx: UpdateContext, c: int) -> None:
    now = ctx.clock.now()
    lines = await store_pledges.pledges_of(
        ctx.session, ctx.person, c, now=now, settings=ctx.settings
    )
    local = now.astimezone(ZoneInfo((await ctx.notifier.community(c)).timezone))
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            views.pledges_text(lines, f"{local.year}-{local.month:02d}"),
            reply_markup=views.pledges_keyboard(),
        )


async def start_pledge(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, c: int
) -> None:
    homes = await storehouse.households_for(ctx.session, ctx.person, c, ctx.settings)
    text, markup = views.who_question(store_views.household_question(homes)[1])
    await pressed_then_ask(callback, state, StoreFlow.pledge_who, text, markup)


async def _ask_item(message: Message, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    items = await storehouse.items_of(ctx.session, ctx.person, c, ctx.settings)
    text, markup = store_views.item_question(items, new=False)
    if markup is None:
        await state.clear()
        await message.answer(text, reply_markup=main_menu(ctx))
        return
    await ask(message, state, StoreFlow.pledge_item, text, markup)


async def who(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, data: StoreStep, c: int
) -> None:
    if data.action == "shop":
        await pressed_then_ask(
            callback, state, StoreFlow.shop_name, views.shop_question(), stop=True
        )
        return
    homes = await storehouse.households_for(ctx.session, ctx.person, c, ctx.settings)
    if data.action == "hhpage":
        await callback.answer()
        markup = views.who_question(store_views.household_question(homes, data.value)[1])[1]
        await edit_pressed(callback, None, markup)
        return
    home = next((h for h in homes if h.id == data.value), None)
    if home is None:
        raise storehouse.HouseholdNotFound()
    await state.update_data(household_id=home.id, shop=None)
    await answer_now(callback)
    await edit_pressed(callback, None, None)
    if isinstance(callback.message, Message):
        await _ask_item(callback.message, state, ctx, c)


async def typed_shop(message: Message, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    shop = " ".join((message.text or "").split())
    if not shop or len(shop) > storehouse.DONOR_MAX:
        await message.answer(store_views.too_long_text(storehouse.DONOR_MAX))
        return
    await state.update_data(household_id=None, shop=shop)
    await _ask_item(message, state, ctx, c)


async def picked_item(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, item_id: int
) -> None:
    _, item = await storehouse.item_for(ctx.session, ctx.settings, ctx.person, item_id)
    await state.update_data(item_id=item.id)
    await pressed_then_ask(
        callback, state, StoreFlow.pledge_qty, views.pledge_quantity_question(item), stop=True,
        note=item.name,
    )  # fmt: skip


async def typed_quantity(message: Message, state: FSMContext) -> None:
    amount = storehouse.parse_quantity(message.text)
    if amount is None:
        await message.answer(store_views.type_quantity_text())
        return
    await state.update_data(quantity=amount)
    await ask(message, state, StoreFlow.pledge_every, *views.every_question())


async def every(callback: CallbackQuery, state: FSMContext, data: StoreStep) -> None:
    if data.value == 1:
        await pressed_then_ask(
            callback, state, StoreFlow.pledge_days, views.days_question(), stop=True
        )
        return
    if data.value not in (0, 7):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await state.update_data(every_days=data.value)
    await pressed_then_ask(callback, state, StoreFlow.pledge_start, *views.start_question())


async def typed_days(message: Message, state: FSMContext) -> None:
    days = storehouse.parse_quantity(message.text)
    if days is None or days > store_pledges.EVERY_DAYS_MAX:
        await message.answer(store_views.type_quantity_text())
        return
    await state.update_data(every_days=days)
    await ask(message, state, StoreFlow.pledge_start, *views.start_question())


async def save_pledge(
    message: Message, state: FSMContext, ctx: UpdateContext, starts_on: date
) -> None:
    data = await state.get_data()
    await state.clear()
    days = number(data, "every_days")
    household_id = number(data, "household_id") or None
    shop = str(data.get("shop") or "") or None
    try:
        pledge = await store_pledges.add_pledge(
            ctx.session, ctx.person, item_id=number(data, "item_id"), household_id=household_id,
            shop_name=shop, quantity_pledged=number(data, "quantity"),
            cadence=PledgeCadence.DAYS if days else PledgeCadence.MONTHLY, every_days=days,
            starts_on=starts_on, now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
        _, item = await storehouse.item_for(ctx.session, ctx.settings, ctx.person, pledge.item_id)
    except DomainError as error:
        await message.answer(error_text(error), reply_markup=main_menu(ctx))
        return
    home = await households.household_named(ctx.session, pledge.household_id)
    who = store_pledges.pledger_name(pledge, home)
    await message.answer(views.pledged_text(pledge, item, who), reply_markup=main_menu(ctx))


async def start_today(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, c: int
) -> None:
    await callback.answer()
    await edit_pressed(callback, None, None)
    today = await storehouse.local_today(ctx.session, ctx.settings, c, ctx.clock.now())
    if isinstance(callback.message, Message):
        await save_pledge(callback.message, state, ctx, today)


async def typed_start(message: Message, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    today = await storehouse.local_today(ctx.session, ctx.settings, c, ctx.clock.now())
    day = storehouse.parse_date(message.text, today)
    if day is None:
        await message.answer(store_views.type_date_text())
        return
    await save_pledge(message, state, ctx, day)


# ---- a wish lit from the storehouse ---------------------------------------------------------


async def start_wish(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, c: int
) -> None:
    found = await store_wishes.wishes_to_light(ctx.session, ctx.person, c, ctx.settings)
    homes = await storehouse.households_for(ctx.session, ctx.person, c, ctx.settings)
    text, markup = views.wish_question(found, {home.id: home.code for home in homes})
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await pressed_then_ask(callback, state, StoreFlow.wish, text, markup)


async def picked_wish(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, wish_id: int, c: int
) -> None:
    found = await store_wishes.wishes_to_light(ctx.session, ctx.person, c, ctx.settings)
    wish = next((w for w in found if w.id == wish_id), None)
    if wish is None:
        raise storehouse.WishNotLightable()
    items = await storehouse.items_of(ctx.session, ctx.person, c, ctx.settings)
    text, markup = store_views.item_question(items, new=False, text=views.wish_item_question(wish))
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await state.update_data(wish_id=wish.id)
    await pressed_then_ask(callback, state, StoreFlow.wish_item, text, markup)


async def picked_wish_item(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, item_id: int
) -> None:
    _, item = await storehouse.item_for(ctx.session, ctx.settings, ctx.person, item_id)
    await state.update_data(item_id=item.id)
    await pressed_then_ask(
        callback, state, StoreFlow.wish_qty, store_views.quantity_question(item, received=False),
        stop=True, note=item.name,
    )  # fmt: skip


async def typed_wish_quantity(message: Message, state: FSMContext) -> None:
    amount = storehouse.parse_quantity(message.text)
    if amount is None:
        await message.answer(store_views.type_quantity_text())
        return
    await state.update_data(quantity=amount)
    await ask(message, state, StoreFlow.wish_how, *views.how_question())


async def how(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, data: StoreStep
) -> None:
    """The last tap: the goods given, the wish lit and brought, the household told."""
    if data.value not in (0, 1) or not isinstance(callback.message, Message):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await answer_now(callback)
    saved = await state.get_data()
    await state.clear()
    delivery = WishDelivery.PICKUP if data.value == 1 else WishDelivery.VOLUNTEER
    try:
        wish, movement = await store_wishes.light_wish_from_storehouse(
            ctx.session, ctx.person, wish_id=number(saved, "wish_id"),
            item_id=number(saved, "item_id"), quantity_given=number(saved, "quantity"),
            delivery=delivery, clock=ctx.clock, settings=ctx.settings,
        )  # fmt: skip
    except DomainError as error:
        await edit_pressed(callback, None, None)
        await callback.message.answer(error_text(error), reply_markup=main_menu(ctx))
        return
    assert ctx.person is not None
    await notify_wishes.wish_lit(ctx.notifier, wish, ctx.person)
    await notify_wishes.wish_delivered(ctx.notifier, wish, ctx.person, ctx.settings)
    _, item = await storehouse.item_for(ctx.session, ctx.settings, ctx.person, movement.item_id)
    await edit_pressed(callback, None, None)
    await callback.message.answer(
        views.wish_lit_text(item, movement.quantity), reply_markup=main_menu(ctx)
    )
