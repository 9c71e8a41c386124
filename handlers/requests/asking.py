"""A resident asks for help: what kind → what she needs (words, voice or photo) → when →
confirm. Four actions from her menu, whose buttons are the kinds of help; her address (or the
place she tapped when registering) is remembered, shown on the summary with a button to change
it, and asked only when neither is known. A short FSM conversation kept in the database, each
step moved on with `handlers.wizard`.

What she types is understood: a sentence where a kind was asked becomes the description and its
kind is guessed (`bot.understanding.categories`), confirmed with one tap; "明天上午" or
"tomorrow morning" where the time is asked is taken (`bot.understanding.when`).

"🚨 It's urgent", or anything that sounds like an emergency at any step of any flow (heard
first, by handlers.emergency), is answered at once with the emergency numbers and recorded as
an urgent request the coordinators are alerted to: it must never wait in a half-finished
conversation.

This router also holds the residents' menu entries (the kinds, "🙋 I need help", "📋 My
requests"), so they win over the typed answers of this flow and of `handlers.requests.mine`."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NewRequestStep, PlaceChoice
from bot.context import UpdateContext
from bot.i18n import translations_of
from bot.policy.notify import requests as notify
from bot.services import places, requests, users
from bot.services.errors import (
    DayOutOfRange,
    DescriptionEmpty,
    InvalidInput,
    PlaceNotFound,
    TextTooLong,
)
from bot.services.requests import RequestDraft
from bot.services.slots import upcoming_days
from bot.understanding.categories import guess_category
from bot.understanding.when import understand_when
from bot.views import asking as views
from bot.views import keyboards
from bot.views import places as place_views
from bot.views.texts import category_label, day_with_weekday
from handlers.emergency import answer_emergency
from handlers.replies import (
    button_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
)
from handlers.requests.mine import refuse_if_not_resident, show_my_requests
from handlers.requests.states import AfterRequest, AskHelp
from handlers.wizard import Markup, answer_now, ask, ask_once_more, pressed_then_ask
from storage.models import DayPart, RequestCategory, RequestTiming

Question = tuple[State, str, Markup]
"""The next step of the flow: its state, its question and its buttons."""


def draft_of(data: dict[str, Any]) -> RequestDraft:
    return RequestDraft(
        category=RequestCategory(data["category"]),
        description=data.get("description") or "",
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
        timing=RequestTiming(data.get("timing", RequestTiming.ASAP.value)),
        day=date.fromisoformat(data["day"]) if data.get("day") else None,
        day_part=DayPart(data.get("part", DayPart.ANY.value)),
        address=data.get("address"),
        save_address=bool(data.get("save")),
    )


def menu_kind(text: str | None) -> RequestCategory | None:
    """The kind of help a menu button says, in any of our languages (None: not a kind)."""
    for category, msgid in keyboards.KIND_MSGIDS.items():
        if text in translations_of(msgid):
            return category
    return None


# the next questions


def _category() -> Question:
    return AskHelp.category, views.category_question(), views.category_keyboard()


def _when(text: str | None = None) -> Question:
    return AskHelp.when, text or views.when_question(), views.when_keyboard()


def _day(days: list[date]) -> Question:
    return AskHelp.day, views.day_question(), views.day_keyboard(days)


async def _summary(state: FSMContext, ctx: UpdateContext) -> Question:
    user = ctx.person
    assert user is not None
    place = await places.name_of(ctx.session, user.place_id)
    text = views.summary_text(await state.get_data(), user, place)
    return AskHelp.confirm, text, views.confirm_keyboard()


async def _after_when(state: FSMContext, ctx: UpdateContext) -> Question:
    """Where: nothing to ask when her address or place is known (the summary shows it). Else her
    place, once, if the coordinators defined places; else her address, typed."""
    user = ctx.person
    assert user is not None
    if user.address or user.place_id is not None:
        return await _summary(state, ctx)
    if not (await state.get_data()).get("place_asked"):
        offered = await places.offered(ctx.session, places.of_person(user))
        if offered:
            await state.update_data(place_asked=True)
            return (
                AskHelp.place,
                place_views.choice_question(volunteer=False),
                place_views.choice_keyboard(offered, volunteer=False),
            )
    return AskHelp.address, views.first_address_question(), None


# the steps


async def start_asking(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if await refuse_if_not_resident(message, ctx):
        return
    await state.clear()
    await ask(message, state, *_category())


async def tapped_kind(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A kind of help tapped on her menu: the request starts there, at "what do you need"."""
    if await refuse_if_not_resident(message, ctx):
        return
    category = menu_kind(message.text)
    assert category is not None
    await state.clear()
    await state.update_data(category=category.value)
    await ask(
        message,
        state,
        AskHelp.description,
        views.description_question(category),
        placeholder=views.description_placeholder(),
    )


async def chose_category(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    try:
        category = RequestCategory(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(category=category.value)
    question = views.description_question(category)
    await pressed_then_ask(
        callback,
        state,
        AskHelp.description,
        question,
        note=category_label(category),
        placeholder=views.description_placeholder(),
    )


def _cleaned(message: Message) -> str:
    return requests.clean_long_text(message.text or message.caption or "", requests.DESCRIPTION_MAX)


async def typed_at_category(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A sentence where a kind was asked ("我想请人帮我买点菜"): it is what she needs; its kind
    is guessed from its words and offered first, or it goes in as "other". A voice note or a
    photo is kept too, and she taps its kind."""
    text = _cleaned(message)
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    await state.update_data(description=text, voice=voice, photo=photo)
    if voice or photo:
        question = views.kind_of_it_question()
        await ask(message, state, AskHelp.guess, question, views.guess_keyboard(None))
        return
    if not text:
        await expected_a_button(message, state)
        return
    guessed = guess_category(text, ctx.i18n.current_locale)
    if guessed is None:
        await state.update_data(category=RequestCategory.OTHER.value)
        noted = views.noted_as_other_text(category_label(RequestCategory.OTHER))
        await message.answer(noted)
        await ask(message, state, *_when())
        return
    await ask(
        message, state, AskHelp.guess, views.guess_question(guessed), views.guess_keyboard(guessed)
    )


async def chose_guessed(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    """One tap on the guessed kind (or another): her sentence already says what she needs."""
    try:
        category = RequestCategory(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(category=category.value)
    await pressed_then_ask(callback, state, *_when(), note=category_label(category))


async def got_description(message: Message, state: FSMContext) -> None:
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    text = _cleaned(message)
    if not (text or voice or photo):
        await message.answer(views.invalid_text(DescriptionEmpty()))
        return
    await state.update_data(description=text, voice=voice, photo=photo)
    await ask(message, state, *_when())


async def description_not_usable(message: Message) -> None:
    """A sticker, a location, a file...: not something a volunteer can read."""
    await message.answer(views.invalid_text(DescriptionEmpty()))


async def chose_when(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    try:
        timing = RequestTiming(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(timing=timing.value, day=None, part=DayPart.ANY.value)
    if timing is RequestTiming.DAY:
        assert ctx.person is not None
        days = upcoming_days(ctx.clock.now(), ctx.person.timezone)
        await pressed_then_ask(callback, state, *_day(days), note=views.timing_label(timing))
        return
    question = await _after_when(state, ctx)
    await pressed_then_ask(callback, state, *question, note=views.timing_label(timing))


async def typed_when(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """ "明天上午", "后天", "tomorrow morning", "现在" typed instead of tapped."""
    assert ctx.person is not None
    when = understand_when(message.text or "", now=ctx.clock.now(), timezone=ctx.person.timezone)
    if when is None:
        await ask(message, state, *_when(views.when_not_understood_text()))
        return
    day = when.day.isoformat() if when.day else None
    await state.update_data(timing=when.timing.value, day=day, part=when.part.value)
    await message.answer(views.understood_when_text(await state.get_data()))
    await ask(message, state, *await _after_when(state, ctx))


async def chose_day(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    assert ctx.person is not None
    days = {day.isoformat(): day for day in upcoming_days(ctx.clock.now(), ctx.person.timezone)}
    day = days.get(callback_data.value)
    if day is None:  # forged, or a list drawn on another day
        await callback.answer(_("Sorry, that day cannot be chosen. Please pick one below."))
        if isinstance(callback.message, Message):
            _step, text, markup = _day(list(days.values()))
            await ask(callback.message, state, None, text, markup)
        return
    await answer_now(callback)
    await state.update_data(day=day.isoformat())
    question = await _after_when(state, ctx)
    await pressed_then_ask(callback, state, *question, note=day_with_weekday(day))


async def chose_place(
    callback: CallbackQuery, callback_data: PlaceChoice, state: FSMContext, ctx: UpdateContext
) -> None:
    place = None
    if callback_data.place_id != place_views.NOT_SURE:
        try:
            place = await places.choose_place(
                ctx.session, ctx.person, callback_data.place_id, clock=ctx.clock
            )
        except PlaceNotFound:
            await callback.answer(stale_button_text())
            return
    await answer_now(callback)
    question = await _after_when(state, ctx)
    note = place_views.chosen_label(place, volunteer=False)
    await pressed_then_ask(callback, state, *question, note=note)


async def got_address(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    try:
        address = requests.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    assert ctx.person is not None
    if not ctx.person.address:
        # Asked once: the first address given is the person's, for visits and alerts too.
        await users.save_address(ctx.session, ctx.person, address, clock=ctx.clock)
        await state.update_data(address=None)
        await message.answer(_("🏠 Thank you. I will remember this address."))
        await ask(message, state, *await _summary(state, ctx))
        return
    await state.update_data(address=address)
    await ask(
        message,
        state,
        AskHelp.save_address,
        views.save_address_question(),
        views.save_address_keyboard(),
    )


async def address_not_usable(message: Message) -> None:
    await message.answer(_("Please type the address in words ✍️"))


async def chose_save(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    save = callback_data.value == "yes"
    await answer_now(callback)
    await state.update_data(save=save)
    question = await _summary(state, ctx)
    await pressed_then_ask(callback, state, *question, note=views.save_label(save))


async def confirmed(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message, user = callback.message, ctx.person
    assert isinstance(message, Message) and user is not None
    choice = callback_data.value
    if choice not in views.CONFIRM_CHOICES:
        await callback.answer(stale_button_text())
        return
    if choice == "cancel":
        await callback.answer()
        await retire_buttons(callback, views.confirm_label("cancel"))
        await state.clear()
        await send_main_menu(bot, message.chat.id, user, _("OK, nothing was sent."))
        return
    if choice == "restart":
        await state.clear()
        await pressed_then_ask(callback, state, *_category(), note=views.confirm_label("restart"))
        return
    if choice == "address":
        question = views.other_address_question()
        await pressed_then_ask(
            callback,
            state,
            AskHelp.address,
            question,
            note=views.confirm_label("address"),
            placeholder=views.address_placeholder(),
        )
        return
    await callback.answer()
    await notify.before_submitting(ctx.notifier, user)  # read before the write turn
    try:
        draft = draft_of(await state.get_data())
        request = await requests.submit_request(ctx.session, user, draft, clock=ctx.clock)
    except DayOutOfRange:
        await ask(message, state, *_when(_("Sorry, that day has passed. When do you need help?")))
        return
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    await notify.request_submitted(
        ctx.notifier, request, user, emergency=False, from_checkin=False
    )  # just made here: no check-in names it
    await state.clear()  # committed with the request, before the first reply (one write)
    await retire_buttons(callback, views.confirm_label("send"))
    text = views.submitted_text(requests.reference(request))
    await send_main_menu(bot, message.chat.id, user, text)


async def expected_a_button(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


async def more_words(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Words typed at the summary: more of what she needs, added to it (nothing she says is
    thrown away), and the summary again."""
    data = await state.get_data()
    added = _cleaned(message)
    if not added:
        await expected_a_button(message, state)
        return
    description = "\n".join(part for part in (data.get("description"), added) if part)
    if len(description) > requests.DESCRIPTION_MAX:
        await message.answer(views.invalid_text(TextTooLong(requests.DESCRIPTION_MAX)))
        return
    await state.update_data(description=description)
    await message.answer(views.added_text())
    await ask(message, state, *await _summary(state, ctx))


async def urgent_pressed(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await callback.answer()
    await retire_buttons(callback, views.urgent_label())
    await answer_emergency(callback.from_user.id, "", state, ctx, bot)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="asking")
    # words that sound like an emergency are heard before any router (handlers.emergency)
    menu_at = StateFilter(None, *AskHelp.__all_states__, *AfterRequest.__all_states__)
    router.message.register(start_asking, Command("request"))
    router.message.register(start_asking, menu_at, button_text("🙋 I need help"))
    router.message.register(tapped_kind, menu_at, F.text.func(menu_kind))
    router.message.register(show_my_requests, Command("myrequests"))
    router.message.register(show_my_requests, menu_at, button_text("📋 My requests"))
    step = NewRequestStep.filter
    router.callback_query.register(urgent_pressed, AskHelp.category, step(F.field == "urgent"))
    router.callback_query.register(chose_category, AskHelp.category, step(F.field == "cat"))
    router.message.register(typed_at_category, AskHelp.category, F.text | F.voice | F.photo)
    router.callback_query.register(chose_guessed, AskHelp.guess, step(F.field == "gcat"))
    router.message.register(got_description, AskHelp.description, F.text | F.voice | F.photo)
    router.message.register(description_not_usable, AskHelp.description)
    router.callback_query.register(chose_when, AskHelp.when, step(F.field == "when"))
    router.message.register(typed_when, AskHelp.when, F.text)
    router.callback_query.register(chose_day, AskHelp.day, step(F.field == "day"))
    router.callback_query.register(chose_place, AskHelp.place, PlaceChoice.filter())
    router.message.register(got_address, AskHelp.address, F.text)
    router.message.register(address_not_usable, AskHelp.address)
    router.callback_query.register(chose_save, AskHelp.save_address, step(F.field == "save"))
    router.callback_query.register(confirmed, AskHelp.confirm, step(F.field == "confirm"))
    router.message.register(more_words, AskHelp.confirm, F.text)
    router.message.register(
        expected_a_button,
        StateFilter(
            AskHelp.category,
            AskHelp.guess,
            AskHelp.when,
            AskHelp.day,
            AskHelp.place,
            AskHelp.save_address,
            AskHelp.confirm,
        ),
    )
    return router
