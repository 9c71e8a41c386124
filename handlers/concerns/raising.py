"""Anyone registered: "🫶 I'm worried about a neighbour" (or /concern). What they noticed
(words, a voice note or a photo) → where (a place of the community, if it has any) → the
building → a name, if known → whether to hear that it was looked into → check and send. Each
step moved on with `handlers.wizard`.

Words that sound like an emergency, at any step, are heard first (handlers.emergency): the
emergency numbers at once, and what was said so far goes to the coordinators as an urgent
concern (`concern_emergency`)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ConcernStep, PlaceChoice
from bot.context import UpdateContext
from bot.policy.notify import concerns as notify
from bot.policy.permissions import Action
from bot.services import concerns, places
from bot.services.concerns import ConcernDraft
from bot.services.errors import InvalidInput, PlaceNotFound
from bot.views import concerns as views
from bot.views.texts import emergency_text
from handlers.audience import PRIVATE
from handlers.concerns.states import RaiseConcern
from handlers.replies import (
    button_text,
    not_registered_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
)
from handlers.wizard import answer_now, ask, ask_once_more, pressed_then_ask

MENU = "🫶 I'm worried about a neighbour"


def draft_of(data: dict[str, Any], more: str = "") -> ConcernDraft:
    description = "\n".join(part for part in (data.get("description"), more) if part)
    return ConcernDraft(
        description=description[: concerns.DESCRIPTION_MAX],
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
        place_id=data.get("place"),
        building=data.get("building"),
        person_name=data.get("name"),
        wants_outcome=bool(data.get("hear")),
    )


async def start(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if not ctx.may(Action.RAISE_CONCERN):
        await message.answer(not_registered_text())
        return
    await state.clear()
    await ask(
        message,
        state,
        RaiseConcern.what,
        views.what_question(),
        placeholder=views.what_placeholder(),
        stop=True,
    )


async def got_what(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    try:
        text = concerns.clean_description(message.text or message.caption or "")
    except InvalidInput as error:
        await message.answer(views.what_not_usable_text(error))
        return
    if not (text or voice or photo):
        await message.answer(views.what_not_usable_text())
        return
    await state.update_data(description=text, voice=voice, photo=photo)
    offered = await places.offered(ctx.session, places.of_person(ctx.person))
    if offered:
        await ask(
            message, state, RaiseConcern.place, views.place_question(),
            views.place_keyboard(offered),
        )  # fmt: skip
        return
    await ask(
        message, state, RaiseConcern.building, views.building_question(), views.skip_keyboard()
    )


async def what_not_usable(message: Message) -> None:
    """A sticker, a location, a file: not something a coordinator can read."""
    await message.answer(views.what_not_usable_text())


async def chose_place(
    callback: CallbackQuery, callback_data: PlaceChoice, state: FSMContext, ctx: UpdateContext
) -> None:
    place = None
    if callback_data.place_id != views.NOT_SURE:
        try:
            place = await places.offered_place(
                ctx.session, callback_data.place_id, places.of_person(ctx.person)
            )
        except PlaceNotFound:
            await callback.answer(stale_button_text())
            return
    await state.update_data(place=place.id if place else None)
    await pressed_then_ask(
        callback, state, RaiseConcern.building, views.building_question(),
        views.skip_keyboard(), note=views.place_label(place),
    )  # fmt: skip


async def _typed_short(message: Message) -> str | None:
    try:
        return concerns.clean_short(message.text)
    except InvalidInput as error:
        await message.answer(views.short_not_usable_text(error))
        return None


async def got_building(message: Message, state: FSMContext) -> None:
    building = await _typed_short(message)
    if building is None:
        return
    await state.update_data(building=building)
    await ask(message, state, RaiseConcern.name, views.name_question(), views.skip_keyboard())


async def got_name(message: Message, state: FSMContext) -> None:
    name = await _typed_short(message)
    if name is None:
        return
    await state.update_data(name=name)
    await ask(message, state, RaiseConcern.hear, views.hear_question(), views.hear_keyboard())


async def short_not_usable(message: Message) -> None:
    await message.answer(views.short_not_usable_text(InvalidInput()))


async def skipped(callback: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == RaiseConcern.building.state:
        question = (RaiseConcern.name, views.name_question(), views.skip_keyboard())
    else:
        question = (RaiseConcern.hear, views.hear_question(), views.hear_keyboard())
    await pressed_then_ask(callback, state, *question, note=views.skipped_label())


async def chose_hear(
    callback: CallbackQuery, callback_data: ConcernStep, state: FSMContext, ctx: UpdateContext
) -> None:
    if callback_data.value not in ("yes", "no"):
        await callback.answer(stale_button_text())
        return
    wants = callback_data.value == "yes"
    await state.update_data(hear=wants)
    data = await state.get_data()
    place = await places.name_of(ctx.session, data.get("place"))
    await pressed_then_ask(
        callback, state, RaiseConcern.confirm, views.summary_text(data, place),
        views.confirm_keyboard(), note=views.hear_label(wants),
    )  # fmt: skip


async def confirmed(
    callback: CallbackQuery,
    callback_data: ConcernStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message, user = callback.message, ctx.person
    assert isinstance(message, Message) and user is not None
    if callback_data.field == "cancel":
        await callback.answer()
        await retire_buttons(callback, views.cancelled_label())
        await state.clear()
        await send_main_menu(bot, message.chat.id, user, views.nothing_sent_text())
        return
    await answer_now(callback)
    try:
        concern = await concerns.raise_concern(
            ctx.session, user, draft_of(await state.get_data()), clock=ctx.clock
        )
    except InvalidInput as error:
        await message.answer(views.what_not_usable_text(error))
        return
    await notify.concern_raised(ctx.notifier, concern)
    await state.clear()
    await retire_buttons(callback, views.sent_label())
    await send_main_menu(bot, message.chat.id, user, views.raised_text(concern))


async def expected_a_button(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


async def concern_emergency(
    chat_id: int, text: str, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """Emergency words while a concern is written: the numbers first, then what was said so
    far (with these words) goes to the coordinators as an urgent concern; that conversation is
    over."""
    user = ctx.person
    assert user is not None
    await bot.send_message(chat_id, emergency_text(await ctx.community()))
    draft = draft_of(await state.get_data(), text)
    concern = await concerns.raise_concern(ctx.session, user, draft, clock=ctx.clock, urgent=True)
    await notify.concern_raised(ctx.notifier, concern)
    await state.clear()
    await send_main_menu(bot, chat_id, user, views.urgent_raised_text(concern))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="concerns.raising")
    router.message.register(start, PRIVATE, Command("concern"))
    router.message.register(start, PRIVATE, button_text(MENU))
    step = ConcernStep.filter
    router.message.register(got_what, RaiseConcern.what, F.text | F.voice | F.photo)
    router.message.register(what_not_usable, RaiseConcern.what)
    router.callback_query.register(chose_place, RaiseConcern.place, PlaceChoice.filter())
    router.callback_query.register(
        skipped, StateFilter(RaiseConcern.building, RaiseConcern.name), step(F.field == "skip")
    )
    router.message.register(got_building, RaiseConcern.building, F.text)
    router.message.register(got_name, RaiseConcern.name, F.text)
    router.message.register(short_not_usable, StateFilter(RaiseConcern.building, RaiseConcern.name))
    router.callback_query.register(chose_hear, RaiseConcern.hear, step(F.field == "hear"))
    router.callback_query.register(
        confirmed, RaiseConcern.confirm, step(F.field.in_({"send", "cancel"}))
    )
    router.message.register(
        expected_a_button, StateFilter(RaiseConcern.place, RaiseConcern.hear, RaiseConcern.confirm)
    )
    return router
