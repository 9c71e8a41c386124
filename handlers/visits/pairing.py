"""/pair: a coordinator pairs a volunteer with a resident (resident, volunteer, rhythm, day,
time, safety code, confirm). Each step is `wizard.pressed_then_ask` or `wizard.ask`; the
choices are checked by the services (a forged id is a stale button)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import PairStep, number_in
from bot.context import UpdateContext
from bot.policy.notify import visits as notify
from bot.policy.permissions import Action
from bot.services import visits
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    PairingExists,
    PairingPersonInvalid,
    SafetyCodeInvalid,
    VisitDayInvalid,
    VisitTimeInvalid,
)
from bot.services.visits import Schedule
from bot.understanding.clock_times import clock_label, parse_clock_time
from bot.views import pairing as views
from bot.views.visits import cadence_label, invalid_text, weekday_label
from handlers.audience import PRIVATE
from handlers.replies import (
    button_text,
    buttons_again,
    edit_pressed,
    stale_button_text,
    tap_a_button_text,
)
from handlers.wizard import ask, pressed_then_ask
from storage.models import VisitCadence

NAME_PART_MAX = 64  # a typed part of a name; longer is not a name (and would not fit a reply)


class PairFlow(StatesGroup):
    resident = State()
    volunteer = State()
    cadence = State()
    day = State()
    time = State()
    code = State()
    confirm = State()


async def start(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if not ctx.may(Action.PAIR_VISITS):
        await message.answer(views.not_for_you_text())
        return
    await state.clear()
    await ask(message, state, PairFlow.resident, *await _people(ctx, state, residents=True))


async def _people(
    ctx: UpdateContext,
    state: FSMContext,
    *,
    residents: bool,
    name: str | None = None,
    offset: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of residents of the coordinator's communities (or of volunteers who serve the
    chosen resident's) to tap."""
    resident_id = None if residents else (await state.get_data()).get("resident_id")
    try:
        people, total = await visits.people_to_pair(
            ctx.session,
            ctx.person,
            settings=ctx.settings,
            residents=residents,
            resident_id=int(resident_id) if resident_id is not None else None,
            name=name,
            limit=views.PAGE,
            offset=offset,
        )
    except PairingPersonInvalid:  # the resident is no longer one they can pair: nobody
        people, total = [], 0
    more = offset + len(people) < total
    return views.people_page(
        people, residents=residents, name=name, more_from=offset + views.PAGE if more else None
    )


async def typed_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if not message.text or message.text.startswith("/") or len(message.text) > NAME_PART_MAX:
        await message.answer(views.type_a_name_text())
        return
    residents = await state.get_state() == PairFlow.resident.state
    page = await _people(ctx, state, residents=residents, name=message.text)
    await ask(message, state, None, *page)


async def next_page(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext, ctx: UpdateContext
) -> None:
    await callback.answer()
    offset = number_in(callback_data.value)
    if isinstance(callback.message, Message) and offset is not None:
        residents = callback_data.action == "rpage"
        page = await _people(ctx, state, residents=residents, offset=offset)
        await ask(callback.message, state, None, *page)


async def chose_resident(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext, ctx: UpdateContext
) -> None:
    try:
        resident = await visits.person_to_pair(
            ctx.session,
            ctx.person,
            number_in(callback_data.value),
            resident=True,
            settings=ctx.settings,
        )
    except (PairingPersonInvalid, NotAllowed):
        await callback.answer(stale_button_text())
        return
    await state.update_data(resident_id=resident.id)
    text, markup = await _people(ctx, state, residents=False)
    note = views.chosen_resident(resident)
    await pressed_then_ask(callback, state, PairFlow.volunteer, text, markup, note=note)


async def chose_volunteer(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext, ctx: UpdateContext
) -> None:
    try:
        resident_id = (await state.get_data()).get("resident_id")
        volunteer = await visits.person_to_pair(
            ctx.session,
            ctx.person,
            number_in(callback_data.value),
            resident=False,
            settings=ctx.settings,
            resident_id=int(resident_id) if resident_id is not None else None,
        )
    except (PairingPersonInvalid, NotAllowed):
        await callback.answer(stale_button_text())
        return
    await state.update_data(volunteer_id=volunteer.id)
    text, markup = views.cadence_question()
    note = views.chosen_volunteer(volunteer)
    await pressed_then_ask(callback, state, PairFlow.cadence, text, markup, note=note)


async def chose_cadence(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext
) -> None:
    try:
        cadence = VisitCadence(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await state.update_data(cadence=cadence.value)
    text, markup = views.day_question(cadence)
    await pressed_then_ask(callback, state, PairFlow.day, text, markup, note=cadence_label(cadence))


async def _set_day(state: FSMContext, value: str) -> str:
    """Store the day; the domain check of the whole schedule comes at the end."""
    cadence = VisitCadence((await state.get_data())["cadence"])
    day = number_in(value)
    day = -1 if day is None else day
    if cadence in visits.WEEKS:
        if not 0 <= day <= 6:
            raise VisitDayInvalid()
        await state.update_data(weekday=day, month_day=None)
        return weekday_label(day)
    if not 1 <= day <= 28:
        raise VisitDayInvalid()
    await state.update_data(weekday=None, month_day=day)
    return views.month_day_label(day)


async def chose_day(callback: CallbackQuery, callback_data: PairStep, state: FSMContext) -> None:
    try:
        label = await _set_day(state, callback_data.value)
    except (VisitDayInvalid, KeyError, ValueError):
        await callback.answer(stale_button_text())
        return
    await pressed_then_ask(callback, state, PairFlow.time, *views.time_question(), note=label)


async def typed_day(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    try:
        await _set_day(state, message.text or "")
    except (VisitDayInvalid, KeyError, ValueError):
        await _not_usable(message, state, ctx, VisitDayInvalid())
        return
    await ask(message, state, PairFlow.time, *views.time_question())


async def _set_time(state: FSMContext, text: str) -> None:
    checked = Schedule(VisitCadence.WEEKLY, text, weekday=0).checked()  # checks the time alone
    await state.update_data(local_time=checked.local_time)


async def chose_time(callback: CallbackQuery, callback_data: PairStep, state: FSMContext) -> None:
    at = callback_data.value.replace(".", ":")
    try:
        await _set_time(state, at)
    except VisitTimeInvalid:
        await callback.answer(stale_button_text())
        return
    note = views.time_label(at)
    await pressed_then_ask(callback, state, PairFlow.code, *views.code_question(), note=note)


async def typed_time(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """ "10:00", "上午十点", "下午3点半", "9am": a time of day however it is written."""
    at = parse_clock_time(message.text)
    try:
        await _set_time(state, clock_label(at) if at else message.text or "")
    except VisitTimeInvalid as error:
        await _not_usable(message, state, ctx, error)
        return
    await ask(message, state, PairFlow.code, *views.code_question())


async def _check(state: FSMContext, ctx: UpdateContext) -> tuple[str, InlineKeyboardMarkup]:
    """The whole pairing, to check before saving."""
    data = await state.get_data()
    resident, volunteer = await visits.people_by_id(
        ctx.session, int(data["resident_id"]), int(data["volunteer_id"])
    )
    return views.check_before_saving(resident, volunteer, _schedule(data), data.get("code"))


def _schedule(data: dict[str, Any]) -> Schedule:
    return Schedule(
        VisitCadence(data["cadence"]),
        data["local_time"],
        data.get("weekday"),
        data.get("month_day"),
    )


async def typed_code(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if not message.text or message.text.startswith("/"):
        await message.answer(views.type_the_code_text())
        return
    try:
        code = visits.clean_safety_code(message.text)
    except SafetyCodeInvalid as error:
        await message.answer(invalid_text(error))
        return
    await state.update_data(code=code)
    await ask(message, state, PairFlow.confirm, *await _check(state, ctx))


async def chose_no_code(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext) -> None:
    await state.update_data(code=None)
    text, markup = await _check(state, ctx)
    await pressed_then_ask(
        callback, state, PairFlow.confirm, text, markup, note=views.no_code_note()
    )


async def confirmed(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext) -> None:
    data = await state.get_data()
    schedule = _schedule(data)
    try:
        pairing, visit = await visits.create_pairing(
            ctx.session,
            ctx.person,
            resident_id=int(data["resident_id"]),
            volunteer_id=int(data["volunteer_id"]),
            schedule=schedule,
            safety_code=data.get("code"),
            settings=ctx.settings,
            clock=ctx.clock,
        )
    except InvalidInput as error:
        await callback.answer(invalid_text(error)[:200], show_alert=True)
        return
    except (PairingExists, PairingPersonInvalid, NotAllowed) as error:
        await state.clear()
        await callback.answer()
        text = views.already_paired_text() if isinstance(error, PairingExists) else None
        await edit_pressed(callback, text or views.cannot_pair_text())
        return
    volunteer, resident = await visits.people_of(ctx.session, pairing)
    await notify.paired(ctx.notifier, pairing, visit, volunteer, resident)
    await state.clear()
    await callback.answer(views.paired_answer())
    await edit_pressed(callback, views.paired_text(volunteer, resident, schedule, visit))


async def stopped(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await edit_pressed(callback, views.stopped_text())


async def _question_of_step(
    state: FSMContext, ctx: UpdateContext
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The question of the step the pairing is at, with its buttons, asked again."""
    current, data = await state.get_state(), await state.get_data()
    try:
        if current == PairFlow.cadence.state:
            return views.cadence_question()
        if current == PairFlow.day.state:
            return views.day_question(VisitCadence(data["cadence"]))
        if current == PairFlow.time.state:
            return views.time_question()
        if current == PairFlow.confirm.state:
            return await _check(state, ctx)
    except (KeyError, ValueError):
        return None
    return None


async def expected_button(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Something typed (or a sticker) where a button is expected: the question again, with
    its buttons, right under it."""
    question = await _question_of_step(state, ctx)
    if question is None:
        await message.answer(tap_a_button_text())
        return
    await buttons_again(message, *question)


async def _not_usable(
    message: Message, state: FSMContext, ctx: UpdateContext, error: InvalidInput
) -> None:
    """A typed day or time that cannot be used: why, and the question again with its buttons."""
    question = await _question_of_step(state, ctx)
    if question is None:
        await message.answer(invalid_text(error))
        return
    await buttons_again(message, *question, note=invalid_text(error))


def build_router() -> Router:
    router = Router(name="pairing")
    router.message.register(start, PRIVATE, Command("pair"))
    router.message.register(start, PRIVATE, button_text("🤝 Pair a visitor"))
    pick = PairStep.filter
    # only while pairing: an old "Stop" must not end another conversation
    router.callback_query.register(stopped, StateFilter(PairFlow), pick(F.action == "stop"))
    router.callback_query.register(next_page, PairFlow.resident, pick(F.action == "rpage"))
    router.callback_query.register(next_page, PairFlow.volunteer, pick(F.action == "vpage"))
    router.callback_query.register(chose_resident, PairFlow.resident, pick(F.action == "res"))
    router.callback_query.register(chose_volunteer, PairFlow.volunteer, pick(F.action == "vol"))
    router.callback_query.register(chose_cadence, PairFlow.cadence, pick(F.action == "cad"))
    router.callback_query.register(chose_day, PairFlow.day, pick(F.action == "day"))
    router.callback_query.register(chose_time, PairFlow.time, pick(F.action == "time"))
    router.callback_query.register(chose_no_code, PairFlow.code, pick(F.action == "nocode"))
    router.callback_query.register(confirmed, PairFlow.confirm, pick(F.action == "go"))
    router.message.register(typed_name, PairFlow.resident)
    router.message.register(typed_name, PairFlow.volunteer)
    router.message.register(typed_day, PairFlow.day, F.text)
    router.message.register(typed_time, PairFlow.time)
    router.message.register(typed_code, PairFlow.code)
    for waiting_for_button in (PairFlow.cadence, PairFlow.day, PairFlow.confirm):
        router.message.register(expected_button, waiting_for_button)
    return router
