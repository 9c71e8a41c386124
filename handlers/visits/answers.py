"""/visits (a coordinator's overview, a volunteer's own visits) and a volunteer's answers to
the reminders: "I'll be there", "I can't make it" (with an optional reason), and the two-tap
log (how it went, how the resident seemed; then the time counted, tapped or written as said,
and a note, both optional).

Every press is checked by the services against the presser and the visit as it is now, so a
forged, stale or doubled press changes nothing and gets a kind answer."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import VisitAction
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify_checkins
from bot.policy.notify import visits as notify
from bot.policy.permissions import Action
from bot.services import visits
from bot.services.errors import DomainError, InvalidInput, MinutesInvalid, NotAllowed
from bot.understanding.durations import parse_duration
from bot.views import visits as views
from handlers.audience import PRIVATE
from handlers.replies import button_text, edit_pressed, stale_button_text
from handlers.wizard import ask
from storage.models import VisitOutcome

OUTCOMES = list(VisitOutcome)


class VisitInput(StatesGroup):
    reason = State()  # why they cannot come (optional)
    note = State()  # a note on a logged visit (optional)
    minutes = State()  # how long it took, written ("一个半小时", "45 minutes")


async def show_visits(message: Message, ctx: UpdateContext) -> None:
    if ctx.may(Action.PAIR_VISITS):
        pairings, coming = await visits.overview(
            ctx.session, ctx.person, settings=ctx.settings, clock=ctx.clock
        )
        await message.answer(views.overview_text(pairings, coming))
        return
    try:
        own = await visits.volunteer_visits(ctx.session, ctx.person, clock=ctx.clock)
    except NotAllowed:
        await message.answer(views.visits_are_for_helpers_text())
        return
    if not own:
        await message.answer(views.no_visits_text())
        return
    await message.answer(views.own_visits_heading(len(own)))
    for item in own:
        await message.answer(
            views.volunteer_visit_card(item.visit, item.resident),
            reply_markup=views.own_visit_keyboard(item.visit, ctx.clock.now()),
        )


async def visit_action(
    callback: CallbackQuery, callback_data: VisitAction, state: FSMContext, ctx: UpdateContext
) -> None:
    """Every visit button comes here; the services decide whether the presser may do it."""
    action, visit_id, value = callback_data.action, callback_data.visit_id, callback_data.value
    session, person = ctx.session, ctx.person
    try:
        if action == "yes":
            visit = await visits.confirm_visit(session, person, visit_id, clock=ctx.clock)
            await callback.answer(views.confirmed_answer())
            await _after_answer(callback, views.confirmed_note(), views.reminder_keyboard(visit))
        elif action == "no":
            visit = await visits.cancel_visit(session, person, visit_id, clock=ctx.clock)
            volunteer, resident = await visits.people_of(session, visit)
            await notify.cancelled(ctx.notifier, visit, volunteer, resident)
            await callback.answer(views.cancelled_answer())
            await _after_answer(callback, views.cancelled_note(), None)
            await state.update_data(visit_id=visit.id)
            if isinstance(callback.message, Message):
                await ask(
                    callback.message, state, VisitInput.reason, views.reason_question(),
                    views.skip_reason_keyboard(visit),
                )  # fmt: skip
        elif action == "skip":
            await visits.own_visit(session, person, visit_id)
            await state.clear()
            await callback.answer()
            await edit_pressed(callback, views.told_in_time_text())
        elif action == "log":
            visit = await visits.visit_to_log(session, person, visit_id, clock=ctx.clock)
            await callback.answer()
            if isinstance(callback.message, Message):
                await callback.message.answer(
                    views.how_did_it_go_text(), reply_markup=views.outcome_keyboard(visit)
                )
        elif action == "out" and 0 <= value < len(OUTCOMES):
            if OUTCOMES[value] is VisitOutcome.DONE:  # the second tap: how the resident seemed
                visit = await visits.open_visit(session, person, visit_id)
                await callback.answer()
                await edit_pressed(
                    callback, views.how_did_they_seem_text(), views.wellbeing_keyboard(visit)
                )
            else:
                await _log(callback, ctx, visit_id, OUTCOMES[value], None)
        elif action == "wb" and 0 <= value <= 4:
            await _log(callback, ctx, visit_id, VisitOutcome.DONE, value)
        elif action == "min":
            visit = await visits.set_minutes(session, person, visit_id, value, clock=ctx.clock)
            await callback.answer(views.saved_answer())
            await edit_pressed(callback, views.logged_text(visit), views.after_log_keyboard(visit))
        elif action == "typemin":
            visit = await visits.logged_visit(session, person, visit_id)
            await state.update_data(visit_id=visit.id)
            await callback.answer()
            if isinstance(callback.message, Message):
                await ask(callback.message, state, VisitInput.minutes, views.minutes_question())
        elif action == "note":
            visit = await visits.logged_visit(session, person, visit_id)
            await state.update_data(visit_id=visit.id)
            await callback.answer()
            if isinstance(callback.message, Message):
                await ask(
                    callback.message, state, VisitInput.note, views.note_question(),
                    placeholder=views.note_placeholder(),
                )  # fmt: skip
        else:
            await callback.answer(stale_button_text(), show_alert=True)
    except DomainError as error:
        await callback.answer(views.refused_text(error)[:200], show_alert=True)


async def _after_answer(
    callback: CallbackQuery, note: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Keep the reminder's text, add what was answered, and leave only the buttons that still
    make sense."""
    message = callback.message
    if not isinstance(message, Message) or not message.html_text:
        return
    text = message.html_text.split("\n\n<b>")[0]
    await edit_pressed(callback, f"{text}\n\n<b>{html.quote(note)}</b>", markup)


async def _log(
    callback: CallbackQuery,
    ctx: UpdateContext,
    visit_id: int,
    outcome: VisitOutcome,
    wellbeing: int | None,
) -> None:
    logged = await visits.log_visit(
        ctx.session, ctx.person, visit_id, outcome=outcome, wellbeing=wellbeing, clock=ctx.clock
    )
    visit = logged.visit
    volunteer, resident = await visits.people_of(ctx.session, visit)
    if outcome is VisitOutcome.NOBODY_HOME:
        await notify.nobody_home(ctx.notifier, visit, volunteer, resident)
    if logged.low_in_a_row:
        await notify.low_wellbeing(ctx.notifier, visit, volunteer, resident)
    for settled in logged.settled_checkins:  # a check-in the visit answered: all clear
        if settled.was_alerted:
            await notify_checkins.checked_in_for(ctx.notifier, settled)
    await callback.answer(views.logged_answer())
    await edit_pressed(callback, views.logged_text(visit), views.after_log_keyboard(visit))


async def _typed(message: Message) -> str | None:
    if not message.text or message.text.startswith("/"):
        await message.answer(views.write_it_text())
        return None
    return message.text


async def typed_reason(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if (text := await _typed(message)) is None:
        return
    visit_id = int((await state.get_data()).get("visit_id", 0))
    try:
        visit = await visits.give_reason(ctx.session, ctx.person, visit_id, text)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    except DomainError:
        await state.clear()
        await message.answer(views.told_in_time_text())
        return
    volunteer, resident = await visits.people_of(ctx.session, visit)
    await notify.cancelled(ctx.notifier, visit, volunteer, resident, reason=visit.cancel_reason)
    await state.clear()
    await message.answer(views.reason_passed_on_text())


async def typed_note(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if (text := await _typed(message)) is None:
        return
    visit_id = int((await state.get_data()).get("visit_id", 0))
    try:
        visit = await visits.add_note(ctx.session, ctx.person, visit_id, text)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(views.refused_text(error))
        return
    await state.clear()
    await message.answer(views.logged_text(visit), reply_markup=views.after_log_keyboard(visit))


async def typed_minutes(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """ "45", "一个半小时", "1.5 hours": the time counted for a logged visit."""
    minutes = parse_duration(message.text)
    visit_id = int((await state.get_data()).get("visit_id", 0))
    try:
        if minutes is None:
            raise MinutesInvalid()
        visit = await visits.set_minutes(
            ctx.session, ctx.person, visit_id, minutes, clock=ctx.clock
        )
    except MinutesInvalid as error:
        await message.answer(views.invalid_text(error) + "\n\n" + views.minutes_question())
        return
    except DomainError as error:
        await state.clear()
        await message.answer(views.refused_text(error))
        return
    await state.clear()
    await message.answer(views.logged_text(visit), reply_markup=views.after_log_keyboard(visit))


def build_router() -> Router:
    router = Router(name="visit_answers")
    router.message.register(show_visits, PRIVATE, Command("visits"))
    router.message.register(show_visits, PRIVATE, button_text("🗓 Visits"))
    router.callback_query.register(visit_action, VisitAction.filter())
    router.message.register(typed_reason, VisitInput.reason)
    router.message.register(typed_note, VisitInput.note)
    router.message.register(typed_minutes, VisitInput.minutes)
    return router
