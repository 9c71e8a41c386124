"""/broadcast, writing: a coordinator writes a notice (text, maybe a photo or a document, maybe
versions in other languages, maybe an event), chooses who gets it, and sees a preview exactly
as recipients will. Each step is `wizard.ask` or `wizard.pressed_then_ask`; every step is an
FSM state kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import BroadcastStep
from bot.config import LOCALES
from bot.context import UpdateContext
from bot.delivery.attempt import METHODS
from bot.i18n import LANGUAGE_NAMES
from bot.policy.permissions import Action
from bot.services import broadcasts, places
from bot.services.broadcasts import EventDetails
from bot.services.errors import InvalidInput, NotAllowed, PlaceNotFound
from bot.views import broadcast_compose as views
from bot.views import broadcasts as broadcast_views
from bot.views.broadcast_compose import Question
from handlers.audience import PRIVATE
from handlers.replies import (
    button_text,
    buttons_again,
    retire_buttons,
    stale_button_text,
    tap_a_button_text,
)
from handlers.wizard import ask, pressed_then_ask
from storage.models import Audience, Broadcast

Step = tuple[State, str, InlineKeyboardMarkup | None]
"""The next question: its state, text and buttons."""


class BroadcastFlow(StatesGroup):
    where = State()
    text = State()
    more_versions = State()
    version_locale = State()
    version_text = State()
    event = State()
    event_title = State()
    event_place = State()
    event_time = State()
    event_capacity = State()
    audience = State()
    audience_area = State()
    audience_language = State()
    confirm = State()
    schedule_time = State()


def _step(state: State, question: Question | str) -> Step:
    text, markup = (question, None) if isinstance(question, str) else question
    return state, text, markup


async def start(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A coordinator of several communities first says where the notice goes (all of them, or
    one); a coordinator of one community goes straight to its text."""
    if not ctx.may(Action.BROADCAST) or ctx.person is None:
        await message.answer(views.not_for_you_text())
        return
    await state.clear()
    where = await broadcasts.destinations(ctx.session, ctx.settings, ctx.person)
    if where:
        await ask(message, state, BroadcastFlow.where, *views.where_question(where))
        return
    community_id = await broadcasts.own_destination(ctx.session, ctx.settings, ctx.person)
    await state.update_data(community_id=community_id)
    await ask(
        message, state, BroadcastFlow.text, views.text_question(),
        placeholder=views.text_placeholder(),
    )  # fmt: skip


async def chose_where(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext, ctx: UpdateContext
) -> None:
    where = await broadcasts.destinations(ctx.session, ctx.settings, ctx.person)
    chosen = next((d for d in where if str(d.community_id) == callback_data.value), None)
    if chosen is None:
        await callback.answer(stale_button_text())
        return
    await state.update_data(community_id=chosen.community_id)
    await pressed_then_ask(
        callback, state, BroadcastFlow.text, views.text_question(),
        note=views.where_label(chosen), placeholder=views.text_placeholder(),
    )  # fmt: skip


async def _reached(state: FSMContext, ctx: UpdateContext) -> frozenset[int]:
    """The communities the notice being written goes to (chosen at the start)."""
    node = (await state.get_data()).get("community_id")
    if node is None:  # a conversation begun before communities: the coordinator's own
        assert ctx.person is not None
        node = await broadcasts.own_destination(ctx.session, ctx.settings, ctx.person)
    return await broadcasts.reached(ctx.session, ctx.settings, node)


def _content_of(message: Message) -> tuple[str | None, str | None, str | None]:
    """(HTML text, media kind, file id) of a message, or (None, None, None) if it has none."""
    if message.photo:
        return message.html_text if message.caption else "", "photo", message.photo[-1].file_id
    if message.document:
        return message.html_text if message.caption else "", "document", message.document.file_id
    if message.text and not message.text.startswith("/"):
        return message.html_text, None, None
    return None, None, None


async def got_text(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    text, media_kind, file_id = _content_of(message)
    if text is None:
        await message.answer(views.no_content_text())
        return
    try:
        broadcasts.check_text(message.text or message.caption or "", with_media=bool(media_kind))
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    await state.update_data(
        versions=[{"locale": ctx.i18n.current_locale, "text": text}],
        media_kind=media_kind,
        media_file_id=file_id,
    )
    await ask(message, state, *await _after_a_version(state))


async def _after_a_version(state: FSMContext) -> Step:
    """Another language, unless every one is written; then on to the event question."""
    written = [version["locale"] for version in (await state.get_data())["versions"]]
    if len(written) == len(LOCALES):
        return _step(BroadcastFlow.event, views.event_question())
    return _step(BroadcastFlow.more_versions, views.more_versions_question(written))


async def chose_more_versions(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    if callback_data.value != "yes":
        await pressed_then_ask(callback, state, *_step(BroadcastFlow.event, views.event_question()))
        return
    written = {version["locale"] for version in (await state.get_data())["versions"]}
    unwritten = [locale for locale in LOCALES if locale not in written]
    question = views.languages_question(unwritten, "locale")
    await pressed_then_ask(callback, state, BroadcastFlow.version_locale, *question)


async def chose_version_locale(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    locale = callback_data.value
    written = {version["locale"] for version in (await state.get_data())["versions"]}
    if locale not in LOCALES or locale in written:
        await callback.answer(stale_button_text())
        return
    await state.update_data(version_locale=locale)
    await pressed_then_ask(
        callback, state, BroadcastFlow.version_text, views.version_question(locale),
        note=LANGUAGE_NAMES[locale],
    )  # fmt: skip


async def got_version_text(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    if not message.text or message.text.startswith("/"):
        await message.answer(views.write_it_text())
        return
    try:
        broadcasts.check_text(message.text, with_media=bool(data.get("media_kind")))
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    versions = [*data["versions"], {"locale": data["version_locale"], "text": message.html_text}]
    await state.update_data(versions=versions)
    await ask(message, state, *await _after_a_version(state))


async def chose_event(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    if callback_data.value == "yes":
        await pressed_then_ask(callback, state, BroadcastFlow.event_title, views.title_question())
        return
    await state.update_data(event=None)
    await pressed_then_ask(callback, state, BroadcastFlow.audience, *views.audience_question())


async def _typed(message: Message, state: FSMContext, key: str, value: Any, next_: Step) -> None:
    await state.update_data({key: value})
    await ask(message, state, *next_)


async def got_event_title(message: Message, state: FSMContext) -> None:
    try:
        title = broadcasts.check_short(message.text, broadcasts.TITLE_LIMIT)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    next_ = _step(BroadcastFlow.event_place, views.place_question())
    await _typed(message, state, "event_title", title, next_)


async def got_event_place(message: Message, state: FSMContext) -> None:
    try:
        place = broadcasts.check_short(message.text, broadcasts.PLACE_LIMIT)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    next_ = _step(BroadcastFlow.event_time, views.time_question())
    await _typed(message, state, "event_place", place, next_)


async def got_event_time(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    assert ctx.person is not None
    try:
        starts_at = broadcasts.parse_local_time(
            message.text, ctx.person.timezone, now=ctx.clock.now()
        )
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    next_ = _step(BroadcastFlow.event_capacity, views.capacity_question())
    await _typed(message, state, "event_starts_at", starts_at.isoformat(), next_)


async def got_capacity(message: Message, state: FSMContext) -> None:
    try:
        capacity = broadcasts.parse_capacity(message.text)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    await state.update_data(event=True)
    next_ = _step(BroadcastFlow.audience, views.audience_question())
    await _typed(message, state, "event_capacity", capacity, next_)


async def chose_no_limit(callback: CallbackQuery, state: FSMContext) -> None:
    await state.update_data(event_capacity=None, event=True)
    await pressed_then_ask(
        callback, state, BroadcastFlow.audience, *views.audience_question(),
        note=views.no_limit_label(),
    )  # fmt: skip


async def chose_audience(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        audience = Audience(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    if audience == Audience.AREA:
        offered = await places.offered(ctx.session, await _reached(state, ctx))
        if not offered:
            question = views.audience_question(no_places=True)
            await pressed_then_ask(callback, state, BroadcastFlow.audience, *question)
            return
        question = views.area_question(offered)
        await pressed_then_ask(callback, state, BroadcastFlow.audience_area, *question)
        return
    if audience == Audience.LANGUAGE:
        question = views.languages_question(LOCALES, "audlang")
        await pressed_then_ask(callback, state, BroadcastFlow.audience_language, *question)
        return
    await _preview(callback, state, ctx, bot, audience, None, note=None)


async def chose_area(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        place = await places.offered_place(
            ctx.session, int(callback_data.value), await _reached(state, ctx)
        )
    except (ValueError, PlaceNotFound):
        await callback.answer(stale_button_text())
        return
    note = views.place_label(place)
    await _preview(callback, state, ctx, bot, Audience.AREA, str(place.id), note=note)


async def chose_audience_language(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    locale = callback_data.value
    if locale not in LOCALES:
        await callback.answer(stale_button_text())
        return
    note = LANGUAGE_NAMES[locale]
    await _preview(callback, state, ctx, bot, Audience.LANGUAGE, locale, note=note)


def _event_from(data: dict[str, Any]) -> EventDetails | None:
    if not data.get("event"):
        return None
    return EventDetails(
        title=data["event_title"],
        place=data["event_place"],
        starts_at=datetime.fromisoformat(data["event_starts_at"]),
        capacity=data.get("event_capacity"),
    )


async def _send_as_recipients_see_it(
    bot: Bot, chat_id: int, broadcast: Broadcast, ctx: UpdateContext
) -> None:
    """Each version, sent the way the outbox sender will send it."""
    assert ctx.person is not None
    for version in broadcast.versions:
        locale = version["locale"]
        with ctx.i18n.use_locale(locale):
            outgoing = broadcast_views.message_for(broadcast, version["text"], ctx.person.timezone)
        await bot.send_message(chat_id, views.preview_heading(locale))
        await bot(METHODS[outgoing.method](chat_id=chat_id, **outgoing.payload))


async def _preview(
    callback: CallbackQuery,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
    audience: Audience,
    audience_value: str | None,
    *,
    note: str | None,
) -> None:
    """The draft is saved and shown as its recipients will see it, with how many they are.
    The press is answered and its buttons retired first (the previews take a few messages),
    so this step is `wizard.ask` after the previews, not `pressed_then_ask`."""
    await callback.answer()
    await retire_buttons(callback, note)
    data = await state.get_data()
    assert ctx.person is not None
    node = data.get("community_id")
    if node is None:  # a conversation begun before communities: the coordinator's own
        node = await broadcasts.own_destination(ctx.session, ctx.settings, ctx.person)
    try:
        broadcast = await broadcasts.create_draft(
            ctx.session,
            ctx.person,  # type: ignore[arg-type]
            versions=data["versions"],
            audience=audience,
            audience_value=audience_value,
            media_kind=data.get("media_kind"),
            media_file_id=data.get("media_file_id"),
            event=_event_from(data),
            community_id=node,
            settings=ctx.settings,
            clock=ctx.clock,
        )
    except NotAllowed:
        await state.clear()
        await bot.send_message(callback.from_user.id, views.coordinators_only_text())
        return
    count = await broadcasts.count_recipients(ctx.session, broadcast, settings=ctx.settings)
    assert isinstance(callback.message, Message)
    await _send_as_recipients_see_it(bot, callback.message.chat.id, broadcast, ctx)
    if audience == Audience.AREA and audience_value:
        audience_value = await places.name_of(ctx.session, int(audience_value))
    label = broadcast_views.audience_label(audience, audience_value)
    checkins = audience == Audience.CHECKINS
    await state.update_data(
        broadcast_id=broadcast.id, count=count, audience_label=label, checkins=checkins
    )
    question = views.ready_question(
        count, label, broadcast.id, checkins=audience == Audience.CHECKINS
    )
    await ask(callback.message, state, BroadcastFlow.confirm, *question)


async def _question_of_step(state: FSMContext, ctx: UpdateContext) -> Question | None:
    """The question of the step the broadcast is at, with its buttons, to ask again."""
    current, data = await state.get_state(), await state.get_data()
    written = [version["locale"] for version in data.get("versions", [])]
    if current == BroadcastFlow.where.state:
        where = await broadcasts.destinations(ctx.session, ctx.settings, ctx.person)
        return views.where_question(where) if where else None
    if current == BroadcastFlow.more_versions.state:
        return views.more_versions_question(written)
    if current == BroadcastFlow.version_locale.state:
        unwritten = [locale for locale in LOCALES if locale not in written]
        return views.languages_question(unwritten, "locale")
    if current == BroadcastFlow.event.state:
        return views.event_question()
    if current == BroadcastFlow.audience.state:
        return views.audience_question()
    if current == BroadcastFlow.audience_area.state:
        return views.area_question(await places.offered(ctx.session, await _reached(state, ctx)))
    if current == BroadcastFlow.audience_language.state:
        return views.languages_question(LOCALES, "audlang")
    if current == BroadcastFlow.confirm.state and "audience_label" in data:
        return views.ready_question(
            data["count"], data["audience_label"], data["broadcast_id"],
            checkins=bool(data.get("checkins")),
        )  # fmt: skip
    return None


async def expected_button(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Something typed where a button is expected: the question again, with its buttons."""
    question = await _question_of_step(state, ctx)
    if question is None:
        await message.answer(tap_a_button_text())
        return
    await buttons_again(message, *question)


def build_router() -> Router:
    router = Router(name="broadcast_compose")
    pick = BroadcastStep.filter
    router.message.register(start, Command("broadcast"), PRIVATE)
    router.message.register(start, button_text("📣 Send a notice"), PRIVATE)
    router.callback_query.register(chose_where, BroadcastFlow.where, pick(F.action == "where"))
    router.message.register(got_text, BroadcastFlow.text)
    router.callback_query.register(
        chose_more_versions, BroadcastFlow.more_versions, pick(F.action == "more")
    )
    router.callback_query.register(
        chose_version_locale, BroadcastFlow.version_locale, pick(F.action == "locale")
    )
    router.message.register(got_version_text, BroadcastFlow.version_text)
    router.callback_query.register(chose_event, BroadcastFlow.event, pick(F.action == "event"))
    router.message.register(got_event_title, BroadcastFlow.event_title)
    router.message.register(got_event_place, BroadcastFlow.event_place)
    router.message.register(got_event_time, BroadcastFlow.event_time)
    router.callback_query.register(
        chose_no_limit, BroadcastFlow.event_capacity, pick(F.action == "cap")
    )
    router.message.register(got_capacity, BroadcastFlow.event_capacity)
    router.callback_query.register(chose_audience, BroadcastFlow.audience, pick(F.action == "aud"))
    router.callback_query.register(
        chose_area, BroadcastFlow.audience_area, pick(F.action == "audarea")
    )
    router.callback_query.register(
        chose_audience_language, BroadcastFlow.audience_language, pick(F.action == "audlang")
    )
    for waiting_for_button in (
        BroadcastFlow.where,
        BroadcastFlow.more_versions,
        BroadcastFlow.version_locale,
        BroadcastFlow.event,
        BroadcastFlow.audience,
        BroadcastFlow.audience_area,
        BroadcastFlow.audience_language,
        BroadcastFlow.confirm,
    ):
        router.message.register(expected_button, waiting_for_button)
    return router
