"""/store's goods received (a new kind first, if need be; an expiry date for food; a donor,
anonymous, or a pledge) and goods given to a household (the household picker)."""

from __future__ import annotations

from datetime import date

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import StoreStep
from bot.context import UpdateContext
from bot.services import households, store_pledges, storehouse
from bot.services.errors import DomainError
from bot.views import storehouse as views
from handlers.replies import edit_pressed, retire_buttons
from handlers.storehouse.common import error_text, main_menu, number
from handlers.storehouse.states import StoreFlow
from handlers.wizard import ask, pressed_then_ask
from storage.models import StoreItem


async def _item(ctx: UpdateContext, item_id: int) -> StoreItem:
    return (await storehouse.item_for(ctx.session, ctx.settings, ctx.person, item_id))[1]


async def start_in(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    items = await storehouse.items_of(ctx.session, ctx.person, c, ctx.settings)
    text, markup = views.item_question(items, new=True)
    await pressed_then_ask(callback, state, StoreFlow.item_in, text, markup)


async def start_out(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    items = await storehouse.items_of(ctx.session, ctx.person, c, ctx.settings)
    text, markup = views.item_question(items, new=False)
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await pressed_then_ask(callback, state, StoreFlow.item_out, text, markup)


async def picked_in(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, item_id: int
) -> None:
    item = await _item(ctx, item_id)
    await state.update_data(item_id=item.id)
    await pressed_then_ask(
        callback, state, StoreFlow.qty_in, views.quantity_question(item, received=True),
        stop=True, note=item.name,
    )  # fmt: skip


async def picked_out(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, item_id: int, c: int
) -> None:
    item = await _item(ctx, item_id)
    homes = await storehouse.households_for(ctx.session, ctx.person, c, ctx.settings)
    text, markup = views.household_question(homes)
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await state.update_data(item_id=item.id)
    await pressed_then_ask(callback, state, StoreFlow.household, text, markup, note=item.name)


async def new_kind(callback: CallbackQuery, state: FSMContext) -> None:
    await pressed_then_ask(
        callback, state, StoreFlow.new_name, views.new_name_question(), stop=True
    )


async def picked_household(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, data: StoreStep, c: int
) -> None:
    homes = await storehouse.households_for(ctx.session, ctx.person, c, ctx.settings)
    if data.action == "hhpage":
        await callback.answer()
        await edit_pressed(callback, None, views.household_question(homes, data.value)[1])
        return
    home = next((h for h in homes if h.id == data.value), None)
    if home is None:  # not one of this community's homes: a forged or stale button
        raise storehouse.HouseholdNotFound()
    item = await _item(ctx, number(await state.get_data(), "item_id"))
    await state.update_data(household_id=home.id)
    await pressed_then_ask(
        callback, state, StoreFlow.qty_out, views.quantity_question(item, received=False),
        stop=True, note=home.code,
    )  # fmt: skip


async def food(callback: CallbackQuery, state: FSMContext, data: StoreStep) -> None:
    await state.update_data(is_food=data.value == 1)
    unit = str((await state.get_data()).get("unit", ""))
    await pressed_then_ask(callback, state, StoreFlow.new_low, views.low_question(unit), stop=True)


async def _ask_donor(
    message: Message, state: FSMContext, ctx: UpdateContext, item: StoreItem
) -> None:
    pledges = await store_pledges.pledges_for_item(ctx.session, item)
    named = [
        (pledge, store_pledges.pledger_name(
            pledge, await households.household_named(ctx.session, pledge.household_id)
        ))
        for pledge in pledges
    ]  # fmt: skip
    await ask(message, state, StoreFlow.donor, *views.donor_question(named))


async def no_expiry(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext) -> None:
    await callback.answer()
    await retire_buttons(callback)
    await state.update_data(expires_on=None)
    item = await _item(ctx, number(await state.get_data(), "item_id"))
    if isinstance(callback.message, Message):
        await _ask_donor(callback.message, state, ctx, item)


async def record(
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    donor: str | None,
    pledge_id: int | None = None,
) -> None:
    data = await state.get_data()
    await state.clear()
    expires = data.get("expires_on")
    try:
        await storehouse.record_received(
            ctx.session, ctx.person, item_id=number(data, "item_id"),
            quantity_received=number(data, "quantity"),
            expires_on=date.fromisoformat(str(expires)) if expires else None, donor=donor,
            pledge_id=pledge_id, now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
        item = await _item(ctx, number(data, "item_id"))
    except DomainError as error:
        await message.answer(error_text(error), reply_markup=main_menu(ctx))
        return
    await message.answer(
        views.received_text(item, number(data, "quantity"), donor), reply_markup=main_menu(ctx)
    )


async def donor_button(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, data: StoreStep
) -> None:
    if not isinstance(callback.message, Message):
        return
    item = await _item(ctx, number(await state.get_data(), "item_id"))
    if data.action == "anon":
        await callback.answer()
        await retire_buttons(callback)
        await record(callback.message, state, ctx, None)
        return
    pledge = await storehouse.pledge_for_item(ctx.session, data.value, item)
    who = store_pledges.pledger_name(
        pledge, await households.household_named(ctx.session, pledge.household_id)
    )
    await callback.answer()
    await retire_buttons(callback)
    await record(callback.message, state, ctx, who, pledge.id)


# ---- typed --------------------------------------------------------------------------------


async def typed_name(message: Message, state: FSMContext) -> None:
    try:
        name = storehouse.clean_name(message.text, storehouse.NAME_MAX)
    except storehouse.ItemNameInvalid:
        await message.answer(views.too_long_text(storehouse.NAME_MAX))
        return
    await state.update_data(name=name)
    await ask(message, state, StoreFlow.new_unit, views.new_unit_question(), stop=True)


async def typed_unit(message: Message, state: FSMContext) -> None:
    try:
        unit = storehouse.clean_name(message.text, storehouse.UNIT_MAX)
    except storehouse.ItemNameInvalid:
        await message.answer(views.too_long_text(storehouse.UNIT_MAX))
        return
    await state.update_data(unit=unit)
    await ask(message, state, StoreFlow.new_food, *views.food_question())


async def typed_low(message: Message, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    text = (message.text or "").strip()
    low = 0 if text == "0" else storehouse.parse_quantity(text)
    if low is None:
        await message.answer(views.type_quantity_text())
        return
    data = await state.get_data()
    try:
        item = await storehouse.add_item(
            ctx.session, ctx.person, community_id=c, name=str(data.get("name", "")),
            unit=str(data.get("unit", "")), is_food=bool(data.get("is_food")), low_at=low,
            now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
    except DomainError as error:
        await state.clear()
        await message.answer(error_text(error), reply_markup=main_menu(ctx))
        return
    await state.update_data(item_id=item.id)
    await ask(
        message, state, StoreFlow.qty_in, views.quantity_question(item, received=True), stop=True
    )


async def typed_quantity_in(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    amount = storehouse.parse_quantity(message.text)
    if amount is None:
        await message.answer(views.type_quantity_text())
        return
    await state.update_data(quantity=amount)
    item = await _item(ctx, number(await state.get_data(), "item_id"))
    if item.is_food:
        await ask(message, state, StoreFlow.expiry, *views.expiry_question())
    else:
        await _ask_donor(message, state, ctx, item)


async def typed_expiry(message: Message, state: FSMContext, ctx: UpdateContext, c: int) -> None:
    today = await storehouse.local_today(ctx.session, ctx.settings, c, ctx.clock.now())
    day = storehouse.parse_date(message.text, today)
    if day is None:
        await message.answer(views.type_date_text())
        return
    await state.update_data(expires_on=day.isoformat())
    item = await _item(ctx, number(await state.get_data(), "item_id"))
    await _ask_donor(message, state, ctx, item)


async def typed_donor(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    donor = " ".join((message.text or "").split())
    if len(donor) > storehouse.DONOR_MAX:
        await message.answer(views.too_long_text(storehouse.DONOR_MAX))
        return
    await record(message, state, ctx, donor or None)


async def typed_quantity_out(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    amount = storehouse.parse_quantity(message.text)
    if amount is None:
        await message.answer(views.type_quantity_text())
        return
    data = await state.get_data()
    try:
        movement = await storehouse.give_to_household(
            ctx.session, ctx.person, item_id=number(data, "item_id"),
            household_id=number(data, "household_id"), quantity_given=amount,
            now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
    except storehouse.NotEnoughStock as error:  # stays at the step: a smaller amount may do
        await message.answer(error_text(error))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(error_text(error), reply_markup=main_menu(ctx))
        return
    await state.clear()
    item = await _item(ctx, movement.item_id)
    home = await households.household_named(ctx.session, movement.household_id)
    assert home is not None
    await message.answer(views.given_text(item, amount, home), reply_markup=main_menu(ctx))
