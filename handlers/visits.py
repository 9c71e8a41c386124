"""Paired visits: a coordinator's /pair (resident, volunteer, rhythm, day, time, safety code,
confirm) and /visits; a volunteer's answers to reminders ("I'll be there", "I can't make it"
with an optional reason) and the two-tap log (how it went, how the resident seemed; then the
time counted and a note, both optional).

Every press is checked by the services against the presser and the visit as it is now, so a
forged, stale or doubled press changes nothing and gets a kind answer."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PairStep, VisitAction, number_in
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.policy.notify import checkins as notify_checkins
from bot.services import visits
from bot.services.errors import (
    DomainError,
    InvalidInput,
    MinutesInvalid,
    NotAllowed,
    PairingExists,
    PairingPersonInvalid,
    SafetyCodeInvalid,
    TextTooLong,
    VisitChanged,
    VisitDayInvalid,
    VisitNotYet,
    VisitTimeInvalid,
)
from bot.services.visits import Schedule
from bot.views import visits as visit_views
from bot.views.visits import pair_button
from handlers.replies import edit_pressed, stale_button_text
from storage.models import User, UserRole, VisitCadence, VisitOutcome, VisitStatus

PRIVATE = F.chat.type == "private"
PAGE = 6
NAME_PART_MAX = 64  # a typed part of a name; longer is not a name (and would not fit a reply)
OUTCOMES = list(VisitOutcome)


class PairFlow(StatesGroup):
    resident = State()
    volunteer = State()
    cadence = State()
    day = State()
    time = State()
    code = State()
    confirm = State()


class VisitInput(StatesGroup):
    reason = State()  # why they cannot come (optional)
    note = State()  # a note on a logged visit (optional)


# ---- helpers --------------------------------------------------------------------------------


def _is_coordinator(user: User) -> bool:
    return user.is_onboarded and user.role is UserRole.COORDINATOR


async def _send(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


def _invalid_text(error: InvalidInput) -> str:
    match error:
        case VisitTimeInvalid():
            return _("Please tap a time, or write it like 10:00.")
        case VisitDayInvalid():
            return _("Please tap a day, or write a day of the month from 1 to 28.")
        case SafetyCodeInvalid(limit=limit):
            return _("Please keep the code short: at most {limit} characters.").format(limit=limit)
        case TextTooLong(limit=limit):
            return _("That is too long. Please keep it to {limit} characters.").format(limit=limit)
        case MinutesInvalid():
            return _("Please give the time in minutes, from 1 to 1440. For example: 45")
    return _("Sorry, I could not use that. Please try again.")


def _visit_error_text(error: DomainError) -> str:
    match error:
        case VisitChanged(status="confirmed"):
            return _("Already noted: you'll be there. Thank you! 👍")
        case VisitChanged(status="cancelled"):
            return _("This visit was called off, so nothing was changed.")
        case VisitChanged(status="logged"):
            return _("This visit is already logged. Thank you!")
        case VisitChanged():
            return _("This visit is over, so nothing was changed.")
        case VisitNotYet():
            return _("This visit has not happened yet. You can log it from an hour before.")
        case InvalidInput():
            return _invalid_text(error)
    return _("This visit is not yours, so nothing was changed.")


# ---- /pair ----------------------------------------------------------------------------------


async def start_pairing(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if not _is_coordinator(user):
        await message.answer(_("Only coordinators can pair volunteers with residents."))
        return
    await state.clear()
    await state.set_state(PairFlow.resident)
    await _people_page(message, session, user, residents=True, name=None, offset=0)


async def _people_page(
    message: Message,
    session: AsyncSession,
    user: User,
    *,
    residents: bool,
    name: str | None,
    offset: int,
) -> None:
    """A page of names to tap, "more" if there are more, and the hint that typing finds."""
    people, total = await visits.people_to_pair(
        session, user, residents=residents, name=name, limit=PAGE, offset=offset
    )
    action = "res" if residents else "vol"
    buttons = [
        pair_button(f"{person.display_name or '—'} · {person.area or '—'}", action, str(person.id))
        for person in people
    ]
    if offset + len(people) < total:
        page = "rpage" if residents else "vpage"
        buttons.append(pair_button(_("➡️ More"), page, str(offset + PAGE)))
    buttons.append(pair_button(_("✖️ Cancel"), "stop"))
    if residents:
        question = _("👵 Who is the resident? Tap a name, or type a part of the name.")
    else:
        question = _("🙋 Who will visit? Tap a volunteer, or type a part of the name.")
    if not people:
        question = (
            _("I found nobody called “{name}”. Try another part of the name.").format(
                name=html.quote(name)
            )
            if name
            else _("There is nobody to choose yet.")
        )
    await message.answer(
        question, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])
    )


async def typed_name(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if not message.text or message.text.startswith("/") or len(message.text) > NAME_PART_MAX:
        await message.answer(_("Please tap a name, or type a part of the name ✍️"))
        return
    residents = await state.get_state() == PairFlow.resident.state
    await _people_page(message, session, user, residents=residents, name=message.text, offset=0)


async def next_page(
    callback: CallbackQuery,
    callback_data: PairStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    await callback.answer()
    offset = number_in(callback_data.value)
    if isinstance(callback.message, Message) and offset is not None:
        await _people_page(
            callback.message,
            session,
            user,
            residents=callback_data.action == "rpage",
            name=None,
            offset=offset,
        )


async def chose_resident(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext, session: AsyncSession,
    user: User,
) -> None:  # fmt: skip
    resident_id = number_in(callback_data.value)
    resident = await session.get(User, resident_id) if resident_id is not None else None
    if resident is None or resident.role is not UserRole.RESIDENT or not _is_coordinator(user):
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await edit_pressed(
        callback,
        _("👵 Resident: {name}").format(name=html.quote(resident.display_name or "—")),
        None,
    )
    await state.update_data(resident_id=resident.id)
    await state.set_state(PairFlow.volunteer)
    if isinstance(callback.message, Message):
        await _people_page(callback.message, session, user, residents=False, name=None, offset=0)


async def chose_volunteer(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext, session: AsyncSession,
    user: User,
) -> None:  # fmt: skip
    volunteer_id = number_in(callback_data.value)
    volunteer = await session.get(User, volunteer_id) if volunteer_id is not None else None
    if volunteer is None or not _is_coordinator(user):
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await edit_pressed(
        callback,
        _("🙋 Volunteer: {name}").format(name=html.quote(volunteer.display_name or "—")),
        None,
    )
    await state.update_data(volunteer_id=volunteer.id)
    await state.set_state(PairFlow.cadence)
    buttons = [
        [pair_button(visit_views.cadence_label(cadence), "cad", cadence.value)]
        for cadence in VisitCadence
    ]
    await _send(callback, _("How often?"), InlineKeyboardMarkup(inline_keyboard=buttons))


async def chose_cadence(
    callback: CallbackQuery, callback_data: PairStep, state: FSMContext
) -> None:
    try:
        cadence = VisitCadence(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await edit_pressed(callback, visit_views.cadence_label(cadence), None)
    await state.update_data(cadence=cadence.value)
    await state.set_state(PairFlow.day)
    if cadence in visits.WEEKS:
        buttons = [
            [pair_button(visit_views.weekday_label(day), "day", str(day))] for day in range(7)
        ]
        question = _("On which day of the week?")
    else:
        buttons = [
            [pair_button(_("Day {day} of the month").format(day=day), "day", str(day))]
            for day in visit_views.MONTH_DAY_CHOICES
        ]
        question = _("On which day of the month? Tap one, or write a day from 1 to 28.")
    await _send(callback, question, InlineKeyboardMarkup(inline_keyboard=buttons))


async def _ask_time(message: Message) -> None:
    buttons = [
        [pair_button(f"🕒 {at}", "time", at.replace(":", "."))] for at in visit_views.TIME_CHOICES
    ]
    await message.answer(
        _("At what time (the resident's clock)? Tap one, or write it like 10:30."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
    )


async def _set_day(state: FSMContext, value: str) -> str:
    """Store the day; the domain check of the whole schedule comes at the end."""
    data = await state.get_data()
    cadence = VisitCadence(data["cadence"])
    day = number_in(value)
    day = -1 if day is None else day
    if cadence in visits.WEEKS:
        if not 0 <= day <= 6:
            raise VisitDayInvalid()
        await state.update_data(weekday=day, month_day=None)
        return visit_views.weekday_label(day)
    if not 1 <= day <= 28:
        raise VisitDayInvalid()
    await state.update_data(weekday=None, month_day=day)
    return _("Day {day} of the month").format(day=day)


async def chose_day(callback: CallbackQuery, callback_data: PairStep, state: FSMContext) -> None:
    try:
        label = await _set_day(state, callback_data.value)
    except (VisitDayInvalid, KeyError, ValueError):
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await edit_pressed(callback, label, None)
    await state.set_state(PairFlow.time)
    if isinstance(callback.message, Message):
        await _ask_time(callback.message)


async def typed_day(message: Message, state: FSMContext) -> None:
    try:
        await _set_day(state, message.text or "")
    except (VisitDayInvalid, KeyError, ValueError):
        await message.answer(_invalid_text(VisitDayInvalid()))
        return
    await state.set_state(PairFlow.time)
    await _ask_time(message)


async def _set_time(message: Message, state: FSMContext, text: str) -> None:
    try:
        checked = Schedule(VisitCadence.WEEKLY, text, weekday=0).checked()
    except VisitTimeInvalid as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(local_time=checked.local_time)
    await state.set_state(PairFlow.code)
    await message.answer(
        _(
            "🔑 A safety code? A word or number the volunteer will say at the door, so the "
            "resident knows they are from us. Type it, or tap “No code”."
        ),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[pair_button(_("⏭ No code"), "nocode")]]
        ),
    )


async def chose_time(callback: CallbackQuery, callback_data: PairStep, state: FSMContext) -> None:
    await callback.answer()
    at = callback_data.value.replace(".", ":")
    await edit_pressed(callback, f"🕒 {html.quote(at)}", None)
    if isinstance(callback.message, Message):
        await _set_time(callback.message, state, at)


async def typed_time(message: Message, state: FSMContext) -> None:
    if not message.text:
        await message.answer(_invalid_text(VisitTimeInvalid()))
        return
    await _set_time(message, state, message.text)


async def _confirm(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    resident = await session.get(User, int(data["resident_id"]))
    volunteer = await session.get(User, int(data["volunteer_id"]))
    schedule = Schedule(
        VisitCadence(data["cadence"]),
        data["local_time"],
        data.get("weekday"),
        data.get("month_day"),
    )
    code = data.get("code")
    text = _(
        "<b>Please check</b>\n👵 Resident: {resident}\n🙋 Volunteer: {volunteer}\n{schedule}\n"
        "🔑 Safety code: {code}"
    ).format(
        resident=html.quote(resident.display_name or "—") if resident else "—",
        volunteer=html.quote(volunteer.display_name or "—") if volunteer else "—",
        schedule=visit_views.schedule_label(schedule),
        code=html.quote(code) if code else _("none"),
    )
    await state.set_state(PairFlow.confirm)
    await message.answer(
        text,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [pair_button(_("✅ Pair them"), "go")],
                [pair_button(_("✖️ Cancel"), "stop")],
            ]
        ),
    )


async def typed_code(message: Message, state: FSMContext, session: AsyncSession) -> None:
    if not message.text or message.text.startswith("/"):
        await message.answer(_("Please write the code in a message, or tap “No code”."))
        return
    try:
        code = visits.clean_safety_code(message.text)
    except SafetyCodeInvalid as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(code=code)
    await _confirm(message, state, session)


async def chose_no_code(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await callback.answer()
    await edit_pressed(callback, _("🔑 No safety code."), None)
    await state.update_data(code=None)
    if isinstance(callback.message, Message):
        await _confirm(callback.message, state, session)


async def confirmed_pairing(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    schedule = Schedule(
        VisitCadence(data["cadence"]),
        data["local_time"],
        data.get("weekday"),
        data.get("month_day"),
    )
    try:
        pairing, visit = await visits.create_pairing(
            session,
            user,
            resident_id=int(data["resident_id"]),
            volunteer_id=int(data["volunteer_id"]),
            schedule=schedule,
            safety_code=data.get("code"),
            clock=clock,
        )
    except PairingExists:
        await state.clear()
        await callback.answer()
        await edit_pressed(
            callback, _("These two are already paired, so nothing was changed."), None
        )
        return
    except (PairingPersonInvalid, NotAllowed):
        await state.clear()
        await callback.answer()
        await edit_pressed(
            callback,
            _(
                "One of them can no longer be paired (not registered or not approved). "
                "Nothing was saved."
            ),
            None,
        )
        return
    except InvalidInput as error:
        await callback.answer(_invalid_text(error)[:200], show_alert=True)
        return
    volunteer = await session.get(User, pairing.volunteer_id)
    resident = await session.get(User, pairing.resident_id)
    assert volunteer is not None and resident is not None
    await visit_views.tell_paired(
        Notifier(session, settings, clock, i18n), pairing, visit, volunteer, resident
    )
    await state.clear()
    await callback.answer(_("✅ Paired."))
    await edit_pressed(
        callback,
        _(
            "✅ Paired: {volunteer} with {resident}.\n{schedule}\n"
            "First: {when}. Both have been told."
        ).format(
            volunteer=html.quote(volunteer.display_name or "—"),
            resident=html.quote(resident.display_name or "—"),
            schedule=visit_views.schedule_label(schedule),
            when=visit_views.when(visit, resident.timezone),
        ),
        None,
    )


async def stopped_pairing(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await edit_pressed(callback, _("Stopped. Nothing was saved."), None)


async def expected_button(message: Message) -> None:
    await message.answer(_("Please tap one of the buttons above 👆"))


# ---- /visits --------------------------------------------------------------------------------


async def show_visits(message: Message, session: AsyncSession, user: User, clock: Clock) -> None:
    if _is_coordinator(user):
        pairings, coming = await visits.overview(session, user, clock=clock)
        lines = [_("🤝 <b>Pairings: {count}</b>").format(count=len(pairings))]
        for line in pairings:
            schedule = visit_views.schedule_label(Schedule.of(line.pairing))
            code = " 🔑" if line.pairing.safety_code else ""
            lines.append(
                f"• {html.quote(line.volunteer.display_name or '—')} → "
                f"{html.quote(line.resident.display_name or '—')}: {schedule}{code}"
            )
        lines.append("")
        lines.append(_("📅 <b>Coming visits: {count}</b>").format(count=len(coming)))
        lines += [
            "• " + visit_views.visit_line(item.visit, item.volunteer, item.resident)
            for item in coming
        ]
        await message.answer("\n".join(lines)[:4000])
        return
    try:
        own = await visits.volunteer_visits(session, user, clock=clock)
    except NotAllowed:
        await message.answer(_("Paired visits are for volunteers and coordinators."))
        return
    if not own:
        await message.answer(_("You have no paired visits coming up."))
        return
    await message.answer(_("📅 Your paired visits: {count}").format(count=len(own)))
    for item in own:
        await message.answer(
            visit_views.volunteer_visit_card(item.visit, item.resident),
            reply_markup=visit_views.own_visit_keyboard(item.visit, clock.now()),
        )


# ---- the volunteer acts on a visit ----------------------------------------------------------


async def visit_action(
    callback: CallbackQuery,
    callback_data: VisitAction,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    """Every visit button comes here; the services decide whether the presser may do it."""
    action, visit_id, value = callback_data.action, callback_data.visit_id, callback_data.value
    notifier = Notifier(session, settings, clock, i18n)
    try:
        if action == "yes":
            visit = await visits.confirm_visit(session, user, visit_id, clock=clock)
            await callback.answer(_("👍 Thank you! We count on you."))
            await _after_answer(
                callback, _("✅ You said you'll be there."), visit_views.reminder_keyboard(visit)
            )
        elif action == "no":
            visit = await visits.cancel_visit(session, user, visit_id, clock=clock)
            resident = await session.get(User, visit.resident_id)
            assert resident is not None
            await visit_views.tell_cancelled(notifier, visit, user, resident)
            await callback.answer(_("Thank you for telling us. The coordinators know now."))
            await _after_answer(callback, _("✖️ You said you can't make it."), None)
            await state.set_state(VisitInput.reason)
            await state.update_data(visit_id=visit.id)
            await _send(
                callback,
                _(
                    "Would you like to tell the coordinator why? "
                    "Write it in a message, or tap “Skip”."
                ),
                visit_views.skip_reason_keyboard(visit),
            )
        elif action == "skip":
            await visits.own_visit(session, user, visit_id)
            await state.clear()
            await callback.answer()
            await edit_pressed(callback, _("Thank you for telling us in time. 🙏"), None)
        elif action == "log":
            visit = await visits.own_visit(session, user, visit_id)
            if visit.status not in (VisitStatus.SCHEDULED, VisitStatus.CONFIRMED):
                raise VisitChanged(visit.id, visit.status.value)
            if clock.now() < visit.scheduled_at - visits.LOG_EARLIEST:
                raise VisitNotYet()
            await callback.answer()
            await _send(callback, _("How did it go?"), visit_views.outcome_keyboard(visit))
        elif action == "out" and 0 <= value < len(OUTCOMES):
            await _chose_outcome(
                callback, OUTCOMES[value], visit_id, session, user, clock, notifier
            )
        elif action == "wb" and 0 <= value <= 4:
            await _log(callback, VisitOutcome.DONE, value, visit_id, session, user, clock, notifier)
        elif action == "min":
            visit = await visits.set_minutes(session, user, visit_id, value)
            await callback.answer(_("⏱ Saved."))
            await edit_pressed(
                callback, visit_views.logged_text(visit), visit_views.after_log_keyboard(visit)
            )
        elif action == "note":
            visit = await visits.own_visit(session, user, visit_id)
            if visit.status is not VisitStatus.LOGGED:
                raise VisitChanged(visit.id, visit.status.value)
            await state.set_state(VisitInput.note)
            await state.update_data(visit_id=visit.id)
            await callback.answer()
            await _send(callback, _("✍️ Write your note in a message (/cancel stops)."), None)
        else:
            await callback.answer(
                stale_button_text(),
                show_alert=True,
            )
    except DomainError as error:
        await callback.answer(_visit_error_text(error)[:200], show_alert=True)


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


async def _chose_outcome(
    callback: CallbackQuery,
    outcome: VisitOutcome,
    visit_id: int,
    session: AsyncSession,
    user: User,
    clock: Clock,
    notifier: Notifier,
) -> None:
    if outcome is VisitOutcome.DONE:  # the second tap: how the resident seemed
        visit = await visits.own_visit(session, user, visit_id)
        if visit.status not in (VisitStatus.SCHEDULED, VisitStatus.CONFIRMED):
            raise VisitChanged(visit.id, visit.status.value)
        await callback.answer()
        await edit_pressed(callback, _("How did they seem?"), visit_views.wellbeing_keyboard(visit))
        return
    await _log(callback, outcome, None, visit_id, session, user, clock, notifier)


async def _log(
    callback: CallbackQuery,
    outcome: VisitOutcome,
    wellbeing: int | None,
    visit_id: int,
    session: AsyncSession,
    user: User,
    clock: Clock,
    notifier: Notifier,
) -> None:
    logged = await visits.log_visit(
        session, user, visit_id, outcome=outcome, wellbeing=wellbeing, clock=clock
    )
    visit = logged.visit
    resident = await session.get(User, visit.resident_id)
    assert resident is not None
    if outcome is VisitOutcome.NOBODY_HOME:
        await visit_views.tell_nobody_home(notifier, visit, user, resident)
    if logged.low_in_a_row:
        await visit_views.tell_low_wellbeing(notifier, visit, user, resident)
    for settled in logged.settled_checkins:  # a check-in the visit answered: all clear
        if settled.was_alerted:
            await notify_checkins.checked_in_for(notifier, settled)
    await callback.answer(_("📝 Logged. Thank you!"))
    await edit_pressed(
        callback, visit_views.logged_text(visit), visit_views.after_log_keyboard(visit)
    )


async def typed_reason(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if not message.text or message.text.startswith("/"):
        await message.answer(_("Please write it in a message ✍️"))
        return
    visit_id = int((await state.get_data()).get("visit_id", 0))
    try:
        visit = await visits.give_reason(session, user, visit_id, message.text)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    except DomainError:
        await state.clear()
        await message.answer(_("Thank you for telling us in time. 🙏"))
        return
    resident = await session.get(User, visit.resident_id)
    assert resident is not None
    await visit_views.tell_cancelled(
        Notifier(session, settings, clock, i18n), visit, user, resident, reason=visit.cancel_reason
    )
    await state.clear()
    await message.answer(_("Thank you. I passed it on to the coordinators. 🙏"))


async def typed_note(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if not message.text or message.text.startswith("/"):
        await message.answer(_("Please write it in a message ✍️"))
        return
    visit_id = int((await state.get_data()).get("visit_id", 0))
    try:
        visit = await visits.add_note(session, user, visit_id, message.text)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(_visit_error_text(error))
        return
    await state.clear()
    await message.answer(
        visit_views.logged_text(visit), reply_markup=visit_views.after_log_keyboard(visit)
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="visits")
    router.message.register(start_pairing, PRIVATE, Command("pair"))
    router.message.register(show_visits, PRIVATE, Command("visits"))
    pick = PairStep.filter
    # only while pairing: an old "Stop" must not end another conversation
    router.callback_query.register(stopped_pairing, StateFilter(PairFlow), pick(F.action == "stop"))
    router.callback_query.register(next_page, PairFlow.resident, pick(F.action == "rpage"))
    router.callback_query.register(next_page, PairFlow.volunteer, pick(F.action == "vpage"))
    router.callback_query.register(chose_resident, PairFlow.resident, pick(F.action == "res"))
    router.callback_query.register(chose_volunteer, PairFlow.volunteer, pick(F.action == "vol"))
    router.callback_query.register(chose_cadence, PairFlow.cadence, pick(F.action == "cad"))
    router.callback_query.register(chose_day, PairFlow.day, pick(F.action == "day"))
    router.callback_query.register(chose_time, PairFlow.time, pick(F.action == "time"))
    router.callback_query.register(chose_no_code, PairFlow.code, pick(F.action == "nocode"))
    router.callback_query.register(confirmed_pairing, PairFlow.confirm, pick(F.action == "go"))
    router.message.register(typed_name, PairFlow.resident)
    router.message.register(typed_name, PairFlow.volunteer)
    router.message.register(typed_day, PairFlow.day, F.text)
    router.message.register(typed_time, PairFlow.time)
    router.message.register(typed_code, PairFlow.code)
    router.message.register(expected_button, PairFlow.cadence)
    router.message.register(expected_button, PairFlow.day)
    router.message.register(expected_button, PairFlow.confirm)
    router.callback_query.register(visit_action, VisitAction.filter())
    router.message.register(typed_reason, VisitInput.reason)
    router.message.register(typed_note, VisitInput.note)
    return router
