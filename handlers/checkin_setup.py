"""Setting up daily check-ins, and looking after them.

- A coordinator's /enrol: whom → times → days → paired volunteers → emergency contacts → a
  summary of who will be told, in order → "send to the resident to agree".
- The resident's "🔔 Daily check-in": with no plan, set one up themselves (the coordinators are
  always told); with a proposal, see who will be told and agree or decline; with an active plan,
  "I'm away" (check-ins resume by themselves), "I'm back", "Stop my check-ins".
- /checkins: the coordinators' board of today (escalated, waiting, away, answered) with
  "checked in for them" buttons; a volunteer sees the residents whose chain they are in.

Each step is an FSM state kept in the database, cleared by /cancel. Callback data is never
trusted: every press is checked against the presser's role, the conversation's step, and the
plan as it is now (the services check again), so forged, stale and double taps change nothing
and get a kind answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CheckinPlanAction, CheckinProxy, CheckinSetupStep, number_in
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services import checkins, volunteers
from bot.services.checkins import ContactDraft, Timing
from bot.services.errors import (
    CheckinAnswered,
    CheckinNotFound,
    CheckinTimesInvalid,
    DomainError,
    NameEmpty,
    NameTooLong,
    NotAllowed,
    PauseDateInvalid,
    PhoneInvalid,
)
from bot.services.schedule import (
    EVERY_DAY,
    QuietHours,
    local_date,
    parse_day,
    parse_time,
    time_label,
)
from bot.views import checkin_setup as views
from bot.views.checkins import tell_outcome
from handlers.common import show_details
from handlers.replies import (
    button_text,
    edit_pressed,
    not_yours_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
)
from handlers.requests.asking import start_asking
from handlers.requests.mine import show_my_requests
from storage.models import CheckinPlan, CheckinPlanStatus, ContactKind, User, UserRole

PRIVATE = F.chat.type == "private"
ENROL = "enrol"  # a coordinator sets up someone's check-ins
SELF = "self"  # a resident sets up their own


class CheckinSetup(StatesGroup):
    resident = State()  # a coordinator choosing whom (buttons, or a typed part of a name)
    times = State()
    days = State()
    pick_days = State()
    volunteers = State()  # a coordinator only
    contact = State()  # typing "name phone" of someone to phone
    confirm = State()  # a coordinator's summary


class AwayFlow(StatesGroup):
    back_on = State()  # a resident typing the day they will be back


ACTION_STEP = {
    "who": CheckinSetup.resident,
    "rpage": CheckinSetup.resident,
    "time": CheckinSetup.times,
    "typetime": CheckinSetup.times,
    "timesdone": CheckinSetup.times,
    "days": CheckinSetup.days,
    "day": CheckinSetup.pick_days,
    "daysdone": CheckinSetup.pick_days,
    "vol": CheckinSetup.volunteers,
    "vpage": CheckinSetup.volunteers,
    "voldone": CheckinSetup.volunteers,
    "contactdone": CheckinSetup.contact,
    "send": CheckinSetup.confirm,
    "restart": CheckinSetup.confirm,
    "cancel": CheckinSetup.confirm,
}
"""Which step of the conversation each set-up button belongs to."""
COORDINATOR_ACTIONS = {"who", "rpage", "vol", "vpage", "voldone", "send"}


# ---- who may do what ----------------------------------------------------------------------


def _is_coordinator(user: User) -> bool:
    return user.is_onboarded and user.role is UserRole.COORDINATOR


def _is_resident(user: User) -> bool:
    return user.is_onboarded and user.role is UserRole.RESIDENT


def _only_coordinators() -> str:
    return _(
        "Only community coordinators can enrol someone in check-ins. Residents can set up "
        "their own with “🔔 Daily check-in”."
    )


def _quiet(settings: Settings) -> QuietHours:
    return QuietHours.parse(settings.quiet_hours)


def _timing(settings: Settings) -> Timing:
    return Timing(
        grace_minutes=settings.checkin_grace_minutes,
        first_alert_minutes=settings.checkin_first_alert_minutes,
        alert_every_minutes=settings.checkin_alert_every_minutes,
    )


def _bad_input_note() -> str:
    return _("Please use the buttons below 👇, or send /cancel to stop.")


# ---- asking each step ---------------------------------------------------------------------


async def _residents_page(
    session: AsyncSession, user: User, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None, int]:
    query, offset = data.get("query"), int(data.get("offset", 0))
    found, total = await checkins.residents_to_enrol(
        session, user, name=query, limit=views.PAGE_SIZE, offset=offset
    )
    if not found and offset:
        offset = 0
        found, total = await checkins.residents_to_enrol(
            session, user, name=query, limit=views.PAGE_SIZE, offset=0
        )
    text = views.residents_question(query, total)
    if query and not total:
        text += "\n" + _("Nobody found. Type another part of the name.")
    return text, views.residents_keyboard(found, offset, total) if found else None, total


async def _volunteers_page(
    session: AsyncSession, user: User, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    query, offset = data.get("vquery"), int(data.get("voffset", 0))
    found, total = await checkins.volunteers_for_chain(
        session, user, name=query, limit=views.PAGE_SIZE, offset=offset
    )
    text = views.volunteers_question(data["resident_name"], query, total)
    return text, views.volunteers_keyboard(found, data.get("volunteers", []), offset, total)


def _draft(data: dict[str, Any], settings: Settings) -> views.DraftPlan:
    names = data.get("volunteer_names", {})
    return views.DraftPlan(
        resident_name=data["resident_name"],
        times=data.get("times", []),
        days=data.get("days", []),
        links=views.draft_links(
            [names.get(str(v), "—") for v in data.get("volunteers", [])],
            [(c["name"], c["phone"]) for c in data.get("contacts", [])],
        ),
        first_alert_minutes=settings.checkin_first_alert_minutes,
    )


async def _ask_step(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    note: str | None = None,
) -> None:
    """Send the question of the current step with its buttons; with `note` first (why it is
    asked again). Used for every step and for every answer that was not usable."""
    current = await state.get_state()
    data = await state.get_data()
    self_mode = data.get("mode") == SELF
    name = None if self_mode else data.get("resident_name")
    markup: InlineKeyboardMarkup | None = None
    if current == CheckinSetup.resident.state:
        text, markup, _total = await _residents_page(session, user, data)
    elif current == CheckinSetup.times.state:
        text = views.times_question(name, _quiet(settings))
        markup = views.times_keyboard(data.get("times", []))
    elif current == CheckinSetup.days.state:
        text, markup = views.days_question(), views.days_keyboard()
    elif current == CheckinSetup.pick_days.state:
        text, markup = views.pick_days_question(), views.pick_days_keyboard(data.get("days", []))
    elif current == CheckinSetup.volunteers.state:
        text, markup = await _volunteers_page(session, user, data)
    elif current == CheckinSetup.contact.state:
        text = views.contact_question(name)
        markup = views.contact_keyboard(len(data.get("contacts", [])))
    elif current == CheckinSetup.confirm.state:
        text = views.summary_text(_draft(data, settings))
        markup = views.summary_keyboard(data["resident_name"])
    elif current == AwayFlow.back_on.state:
        text = views.date_question()
    else:
        return
    await bot.send_message(chat_id, f"{note}\n\n{text}" if note else text, reply_markup=markup)


# ---- starting -----------------------------------------------------------------------------


async def start_enrol(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    if not _is_coordinator(user):
        await message.answer(_only_coordinators())
        return
    await state.clear()
    await state.set_state(CheckinSetup.resident)
    await state.update_data(mode=ENROL, query=None, offset=0)
    text, markup, total = await _residents_page(session, user, {})
    if not total:
        await state.clear()
        await send_main_menu(
            bot,
            message.chat.id,
            user,
            _("Every registered resident already has daily check-ins, or nobody has registered."),
        )
        return
    await message.answer(text, reply_markup=markup)


async def _start_self(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    if not _is_resident(user):
        await callback.answer(not_yours_text(), show_alert=True)
        return
    plan = await checkins.plan_for(session, user.id)
    if plan is not None and plan.status is CheckinPlanStatus.ACTIVE:
        await callback.answer(_("Your daily check-ins are already on. 👍"), show_alert=True)
        await retire_buttons(callback)
        return
    await callback.answer()
    await retire_buttons(callback, _("🔔 Yes, set it up"))
    await _begin_times(state, mode=SELF, resident=user)
    await _ask_step(bot, callback.from_user.id, state, session, user, settings)


async def _begin_times(state: FSMContext, *, mode: str, resident: User) -> None:
    await state.set_state(CheckinSetup.times)
    await state.update_data(
        mode=mode,
        resident_id=resident.id,
        resident_name=resident.display_name or "—",
        times=[],
        days=[],
        volunteers=[],
        volunteer_names={},
        contacts=[],
        vquery=None,
        voffset=0,
    )


# ---- the set-up buttons -------------------------------------------------------------------


async def setup_step(
    callback: CallbackQuery,
    callback_data: CheckinSetupStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """Every set-up button: checked against the presser's role and the conversation's step."""
    action = callback_data.action
    if action == "self":
        await _start_self(callback, state, session, user, settings, bot)
        return
    if action in COORDINATOR_ACTIONS and not _is_coordinator(user):
        await callback.answer(_only_coordinators(), show_alert=True)
        return
    step = ACTION_STEP.get(action)
    data = await state.get_data()
    if step is None or await state.get_state() != step.state or not _may_continue(user, data):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    chat_id = callback.from_user.id
    handlers = {
        "who": _chose_resident,
        "rpage": _resident_page_turned,
        "time": _toggled_time,
        "typetime": _wants_to_type_time,
        "timesdone": _times_done,
        "days": _chose_days,
        "day": _toggled_day,
        "daysdone": _days_done,
        "vol": _toggled_volunteer,
        "vpage": _volunteer_page_turned,
        "voldone": _volunteers_done,
        "contactdone": _contacts_done,
        "send": _send_to_resident,
        "restart": _restart,
        "cancel": _cancel_draft,
    }
    context = _Step(
        callback,
        callback_data.value,
        state,
        data,
        session,
        user,
        settings,
        clock,
        i18n,
        bot,
        chat_id,
    )
    await handlers[action](context)


def _may_continue(user: User, data: dict[str, Any]) -> bool:
    """The conversation is still the presser's to continue with the role they have now."""
    if data.get("mode") == SELF:
        return _is_resident(user) and data.get("resident_id") == user.id
    return _is_coordinator(user)


@dataclass
class _Step:
    """Everything one set-up button needs, passed as one."""

    callback: CallbackQuery
    value: str
    state: FSMContext
    data: dict[str, Any]
    session: AsyncSession
    user: User
    settings: Settings
    clock: Clock
    i18n: I18n
    bot: Bot
    chat_id: int

    async def ask(self, note: str | None = None) -> None:
        await _ask_step(
            self.bot, self.chat_id, self.state, self.session, self.user, self.settings, note
        )


async def _chose_resident(step: _Step) -> None:
    resident_id = number_in(step.value)
    resident = await step.session.get(User, resident_id) if resident_id is not None else None
    if resident is None or not _is_resident(resident):
        await step.callback.answer(
            _("This person is no longer a registered resident."), show_alert=True
        )
        return
    plan = await checkins.plan_for(step.session, resident.id)
    if plan is not None and plan.status is CheckinPlanStatus.ACTIVE:
        await step.callback.answer(
            _("{name} already has daily check-ins.").format(name=resident.display_name), True
        )
        return
    await step.callback.answer()
    await retire_buttons(step.callback, "👤 " + (resident.display_name or "—"))
    await _begin_times(step.state, mode=ENROL, resident=resident)
    await step.ask()


async def _resident_page_turned(step: _Step) -> None:
    await step.callback.answer()
    await step.state.update_data(offset=number_in(step.value) or 0)
    text, markup, _total = await _residents_page(
        step.session, step.user, await step.state.get_data()
    )
    await edit_pressed(step.callback, text, markup)


async def _toggled_time(step: _Step) -> None:
    label = views.time_from_value(step.value)
    chosen: list[str] = list(step.data.get("times", []))
    if not label or (label not in views.TIME_CHOICES and label not in chosen):
        await step.callback.answer(stale_button_text(), show_alert=True)
        return
    if label in chosen:
        chosen.remove(label)
    else:
        refusal = _time_refusal(label, chosen, step.settings)
        if refusal:
            await step.callback.answer(refusal, show_alert=True)
            return
        chosen.append(label)
    await step.callback.answer()
    await step.state.update_data(times=sorted(chosen))
    await edit_pressed(step.callback, None, views.times_keyboard(chosen))


def _time_refusal(label: str, chosen: list[str], settings: Settings) -> str | None:
    """Why a time cannot be added, kindly; None when it can."""
    quiet = _quiet(settings)
    if not quiet.clock_time_allowed(parse_time(label)):
        return _(
            "🌙 {time} is at night ({quiet}), when I do not send check-ins, so nobody is woken "
            "up. Please choose a time in the day."
        ).format(time=label, quiet=views.quiet_label(quiet))
    if len(chosen) >= checkins.MAX_TIMES:
        return _("Four times a day at most. Tap a chosen time to remove it first.")
    return None


async def _wants_to_type_time(step: _Step) -> None:
    await step.callback.answer()
    await step.bot.send_message(step.chat_id, _("⌨️ Type the time, for example 14:30."))


async def _times_done(step: _Step) -> None:
    try:
        times = checkins.clean_times(step.data.get("times", []), _quiet(step.settings))
    except CheckinTimesInvalid:
        await step.callback.answer(_("Please tap at least one time first."), show_alert=True)
        return
    await step.callback.answer()
    await retire_buttons(step.callback, "🕘 " + views.times_label(times))
    await step.state.update_data(times=times)
    await step.state.set_state(CheckinSetup.days)
    await step.ask()


async def _chose_days(step: _Step) -> None:
    choices = {"all": list(EVERY_DAY), "weekdays": list(views.WEEKDAYS), "pick": []}
    if step.value not in choices:
        await step.callback.answer(stale_button_text(), show_alert=True)
        return
    await step.callback.answer()
    days = choices[step.value]
    await step.state.update_data(days=days)
    if not days:
        await retire_buttons(step.callback, _("✏️ Pick the days"))
        await step.state.set_state(CheckinSetup.pick_days)
        await step.ask()
        return
    await retire_buttons(step.callback, "📅 " + views.days_label(days))
    await _after_days(step)


async def _toggled_day(step: _Step) -> None:
    if number_in(step.value) not in EVERY_DAY:
        await step.callback.answer(stale_button_text(), show_alert=True)
        return
    day = int(step.value)
    days: list[int] = list(step.data.get("days", []))
    days = sorted(set(days) - {day}) if day in days else sorted({*days, day})
    await step.callback.answer()
    await step.state.update_data(days=days)
    await edit_pressed(step.callback, None, views.pick_days_keyboard(days))


async def _days_done(step: _Step) -> None:
    days = step.data.get("days", [])
    if not days:
        await step.callback.answer(_("Please tap at least one day first."), show_alert=True)
        return
    await step.callback.answer()
    await retire_buttons(step.callback, "📅 " + views.days_label(days))
    await _after_days(step)


async def _after_days(step: _Step) -> None:
    """Coordinators choose volunteers next; a resident goes on to an emergency contact."""
    if step.data.get("mode") == SELF:
        await step.state.set_state(CheckinSetup.contact)
    else:
        await step.state.set_state(CheckinSetup.volunteers)
    await step.ask()


async def _toggled_volunteer(step: _Step) -> None:
    chosen: list[int] = list(step.data.get("volunteers", []))
    names: dict[str, str] = dict(step.data.get("volunteer_names", {}))
    volunteer_id = number_in(step.value) or 0
    if volunteer_id in chosen:
        chosen.remove(volunteer_id)
    else:
        person = await step.session.get(User, volunteer_id) if volunteer_id else None
        try:
            await volunteers.approved_volunteer(step.session, person)
        except DomainError:
            await step.callback.answer(
                _("This volunteer can no longer be chosen."), show_alert=True
            )
            return
        if len(chosen) >= views.MAX_VOLUNTEERS:
            await step.callback.answer(
                _("{limit} volunteers at most. Tap a chosen one to remove it first.").format(
                    limit=views.MAX_VOLUNTEERS
                ),
                show_alert=True,
            )
            return
        assert person is not None
        chosen.append(volunteer_id)
        names[str(volunteer_id)] = person.display_name or "—"
    await step.callback.answer()
    await step.state.update_data(volunteers=chosen, volunteer_names=names)
    _text, markup = await _volunteers_page(step.session, step.user, await step.state.get_data())
    await edit_pressed(step.callback, None, markup)


async def _volunteer_page_turned(step: _Step) -> None:
    await step.callback.answer()
    await step.state.update_data(voffset=number_in(step.value) or 0)
    text, markup = await _volunteers_page(step.session, step.user, await step.state.get_data())
    await edit_pressed(step.callback, text, markup)


async def _volunteers_done(step: _Step) -> None:
    await step.callback.answer()
    names = step.data.get("volunteer_names", {})
    chosen = [names.get(str(v), "—") for v in step.data.get("volunteers", [])]
    await retire_buttons(
        step.callback, "🤝 " + ", ".join(chosen) if chosen else _("No volunteer for now")
    )
    await step.state.set_state(CheckinSetup.contact)
    await step.ask()


async def _contacts_done(step: _Step) -> None:
    await step.callback.answer()
    await retire_buttons(step.callback)
    await _after_contacts(
        step.state, step.session, step.user, step.settings, step.clock, step.bot, step.chat_id
    )


async def _after_contacts(
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    chat_id: int,
) -> None:
    """A coordinator sees the summary; a resident sees their plan at once, to agree to."""
    data = await state.get_data()
    if data.get("mode") != SELF:
        await state.set_state(CheckinSetup.confirm)
        await _ask_step(bot, chat_id, state, session, user, settings)
        return
    await state.clear()
    try:
        plan = await _propose(session, user, user, data, settings, clock)
    except CheckinAnswered:
        await send_main_menu(bot, chat_id, user, _("Your daily check-ins are already on. 👍"))
        return
    except DomainError:
        await send_main_menu(bot, chat_id, user, _("Sorry, that is not possible now."))
        return
    links = await checkins.describe_chain(session, plan)
    await bot.send_message(
        chat_id,
        views.proposal_text(plan, links, None),
        reply_markup=views.proposal_keyboard(plan),
    )


async def _propose(
    session: AsyncSession,
    author: User,
    resident: User,
    data: dict[str, Any],
    settings: Settings,
    clock: Clock,
) -> CheckinPlan:
    """Write the plan (not started until the resident agrees). Never over an active plan."""
    plan = await checkins.plan_for(session, resident.id)
    if plan is not None and plan.status is CheckinPlanStatus.ACTIVE:
        raise CheckinAnswered()
    contacts = [
        ContactDraft(ContactKind.VOLUNTEER, user_id=volunteer_id)
        for volunteer_id in data.get("volunteers", [])
    ]
    contacts += [
        ContactDraft(ContactKind.PHONE, name=c["name"], phone=c["phone"])
        for c in data.get("contacts", [])
    ]
    return await checkins.propose_plan(
        session,
        author,
        resident,
        times=data["times"],
        weekdays=data["days"],
        contacts=contacts,
        timing=_timing(settings),
        quiet=_quiet(settings),
        clock=clock,
    )


async def _send_to_resident(step: _Step) -> None:
    resident = await step.session.get(User, int(step.data["resident_id"]))
    name = step.data["resident_name"]
    try:
        if resident is None:
            raise NotAllowed()
        plan = await _propose(
            step.session, step.user, resident, step.data, step.settings, step.clock
        )
    except CheckinAnswered:
        await step.callback.answer(
            _("{name} already has daily check-ins.").format(name=name), show_alert=True
        )
        await retire_buttons(step.callback)
        await step.state.clear()
        return
    except DomainError:
        await step.callback.answer(
            _("This person is no longer a registered resident."), show_alert=True
        )
        await retire_buttons(step.callback)
        await step.state.clear()
        return
    await step.state.clear()
    links = await checkins.describe_chain(step.session, plan)
    proposer = step.user

    def render() -> Rendered:
        return views.proposal_text(plan, links, proposer), views.proposal_keyboard(plan)

    notifier = Notifier(step.session, step.settings, step.clock, step.i18n)
    await notifier.tell_user(resident, render, kind="checkin.proposal", priority=Priority.NOTICE)
    await step.callback.answer()
    await retire_buttons(step.callback, _("📨 Sent to {name}").format(name=name))
    await send_main_menu(
        step.bot,
        step.chat_id,
        step.user,
        _("📨 Sent to {name}. I will tell you when they answer.").format(name=html.quote(name)),
    )


async def _restart(step: _Step) -> None:
    await step.callback.answer()
    await retire_buttons(step.callback, _("✏️ Start again"))
    resident = await step.session.get(User, int(step.data["resident_id"]))
    if resident is None:
        await step.state.clear()
        return
    await _begin_times(step.state, mode=step.data.get("mode", ENROL), resident=resident)
    await step.ask()


async def _cancel_draft(step: _Step) -> None:
    await step.callback.answer()
    await retire_buttons(step.callback, _("✖️ Cancel"))
    await step.state.clear()
    await send_main_menu(step.bot, step.chat_id, step.user, _("OK, stopped. Nothing was changed."))


# ---- typed answers in the set-up ----------------------------------------------------------


async def typed_resident_name(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    query = (message.text or "").strip()
    if not _is_coordinator(user) or not query or query.startswith("/") or len(query) > 64:
        await _ask_step(bot, message.chat.id, state, session, user, settings, _bad_input_note())
        return
    await state.update_data(query=query, offset=0)
    await _ask_step(bot, message.chat.id, state, session, user, settings)


async def typed_time(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    """A typed time is added like a tapped one; anything else repeats the question."""
    try:
        label = time_label(parse_time(message.text or ""))
    except ValueError:
        note = _("Please tap the times you want, or write a time like 14:30.")
        await _ask_step(bot, message.chat.id, state, session, user, settings, note)
        return
    chosen: list[str] = list((await state.get_data()).get("times", []))
    if label in chosen:
        note = _("{time} is already chosen. 👍").format(time=label)
    else:
        note = _time_refusal(label, chosen, settings)
        if note is None:
            chosen.append(label)
            await state.update_data(times=sorted(chosen))
            note = _("✅ Added: {time}.").format(time=label)
    await _ask_step(bot, message.chat.id, state, session, user, settings, note)


async def typed_volunteer_name(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    query = (message.text or "").strip()
    if not query or query.startswith("/") or len(query) > 64:
        await _ask_step(bot, message.chat.id, state, session, user, settings, _bad_input_note())
        return
    await state.update_data(vquery=query, voffset=0)
    await _ask_step(bot, message.chat.id, state, session, user, settings)


async def typed_contact(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    try:
        name, phone = checkins.contact_from_text(message.text or "")
    except NameTooLong as error:
        note = _("That name is too long. Please keep it under {limit} characters.").format(
            limit=error.limit
        )
        await _ask_step(bot, message.chat.id, state, session, user, settings, note)
        return
    except (NameEmpty, PhoneInvalid):
        note = _(
            "Please write the name and then the phone number, with digits, for example: "
            "Li Na 13800138000"
        )
        await _ask_step(bot, message.chat.id, state, session, user, settings, note)
        return
    contacts = [*(await state.get_data()).get("contacts", []), {"name": name, "phone": phone}]
    await state.update_data(contacts=contacts)
    if len(contacts) >= views.MAX_PHONE_CONTACTS:
        await message.answer(views.contact_added(name, len(contacts)))
        await _after_contacts(state, session, user, settings, clock, bot, message.chat.id)
        return
    await message.answer(
        views.contact_added(name, len(contacts)),
        reply_markup=views.contact_keyboard(len(contacts)),
    )


async def expected_button(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    """Free text, a sticker, a photo... where a button is expected: the question again."""
    await _ask_step(bot, message.chat.id, state, session, user, settings, _bad_input_note())


# ---- the resident's own plan --------------------------------------------------------------


def _back_on(plan: CheckinPlan, resident: User, clock: Clock) -> date | None:
    if not checkins.is_paused(plan, clock.now()) or plan.paused_until is None:
        return None
    return local_date(plan.paused_until, resident.timezone)


async def show_own_plan(
    chat_id: int, session: AsyncSession, user: User, clock: Clock, bot: Bot
) -> None:
    plan = await checkins.plan_for(session, user.id)
    if plan is None or plan.status is CheckinPlanStatus.STOPPED:
        await bot.send_message(
            chat_id, views.no_plan_text(), reply_markup=views.self_start_keyboard()
        )
        return
    links = await checkins.describe_chain(session, plan)
    if plan.status is CheckinPlanStatus.PROPOSED:
        proposer = None
        if plan.created_by_id and plan.created_by_id != user.id:
            proposer = await session.get(User, plan.created_by_id)
        await bot.send_message(
            chat_id,
            views.proposal_text(plan, links, proposer),
            reply_markup=views.proposal_keyboard(plan),
        )
        return
    back_on = _back_on(plan, user, clock)
    await bot.send_message(
        chat_id,
        views.plan_text(plan, links, back_on),
        reply_markup=views.plan_keyboard(plan, paused=back_on is not None),
    )


async def plan_action(
    callback: CallbackQuery,
    callback_data: CheckinPlanAction,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """A resident's buttons on their own plan: only their own plan, only in the state it is in."""
    plan = await checkins.plan_for(session, user.id) if _is_resident(user) else None
    if plan is None or plan.id != callback_data.plan_id:
        await callback.answer(not_yours_text(), show_alert=True)
        return
    action = callback_data.action
    notifier = Notifier(session, settings, clock, i18n)
    chat_id = callback.from_user.id
    if action in ("agree", "decline"):
        await _answer_proposal(callback, callback_data, plan, user, session, notifier, bot)
        return
    if plan.status is not CheckinPlanStatus.ACTIVE:
        await callback.answer(_("Your daily check-ins are not on now."), show_alert=True)
        await retire_buttons(callback)
        return
    if action == "away":
        await callback.answer()
        await bot.send_message(
            chat_id, views.away_question(), reply_markup=views.away_keyboard(plan)
        )
        await state.set_state(AwayFlow.back_on)
        await state.update_data(plan_id=plan.id)
    elif action == "days" and callback_data.value in views.AWAY_CHOICES:
        back_on = local_date(clock.now(), user.timezone) + timedelta(days=callback_data.value)
        await callback.answer()
        await retire_buttons(callback)
        await _pause(chat_id, state, session, user, back_on, clock, bot)
    elif action == "date":
        await callback.answer()
        await retire_buttons(callback)
        await state.set_state(AwayFlow.back_on)
        await state.update_data(plan_id=plan.id)
        await bot.send_message(chat_id, views.date_question())
    elif action == "back":
        await _come_back(callback, plan, session, user, clock, bot)
    elif action == "stop":
        await callback.answer()
        await bot.send_message(
            chat_id,
            _("Stop your daily check-ins? Then nobody is told if you do not answer."),
            reply_markup=views.stop_keyboard(plan),
        )
    elif action == "stopyes":
        await checkins.stop_plan(session, user, user, clock=clock)
        await callback.answer()
        await retire_buttons(callback, _("⏹ Yes, stop them"))
        await _tell_coordinators_stopped(notifier, user)
        await send_main_menu(
            bot,
            chat_id,
            user,
            _("⏹ Your daily check-ins have stopped. Tap “🔔 Daily check-in” to start again."),
        )
    elif action == "keep":
        await callback.answer()
        await retire_buttons(callback, _("👍 Good, your check-ins stay on."))
    else:
        await callback.answer(stale_button_text(), show_alert=True)


async def _answer_proposal(
    callback: CallbackQuery,
    callback_data: CheckinPlanAction,
    plan: CheckinPlan,
    user: User,
    session: AsyncSession,
    notifier: Notifier,
    bot: Bot,
) -> None:
    """Agree or decline, once, and only to the proposal the buttons were drawn for."""
    if plan.status is not CheckinPlanStatus.PROPOSED or callback_data.stamp != views.stamp_of(plan):
        if plan.status is CheckinPlanStatus.ACTIVE:
            text = _("You have already said yes. Your check-ins are on. 👍")
        else:
            text = stale_button_text()
        await callback.answer(text, show_alert=True)
        await retire_buttons(callback)
        return
    clock = notifier.clock
    proposer = None
    if plan.created_by_id and plan.created_by_id != user.id:
        proposer = await session.get(User, plan.created_by_id)
    name = user.display_name or "—"
    chat_id = callback.from_user.id
    if callback_data.action == "agree":
        try:
            plan = await checkins.agree_to_plan(session, user, plan.id, clock=clock)
        except (CheckinAnswered, CheckinNotFound):
            await callback.answer(stale_button_text(), show_alert=True)
            return
        await callback.answer()
        await retire_buttons(callback, _("✅ Yes, start my check-ins"))
        first = plan.next_checkin_at
        when = views.moment_label(first, user.timezone, clock.now()) if first else "—"
        times = views.times_label(plan.times)

        def render_agreed() -> Rendered:
            text = _("✅ {name} agreed to daily check-ins at {times}. The first one: {when}.")
            return text.format(name=html.quote(name), times=times, when=when), None

        if proposer is not None:
            await notifier.tell_user(
                proposer, render_agreed, kind="checkin.agreed", priority=Priority.NOTICE
            )
        else:
            await notifier.tell_coordinators(
                render_agreed, kind="checkin.agreed", priority=Priority.NOTICE
            )
        await send_main_menu(
            bot,
            chat_id,
            user,
            _(
                "✅ Thank you! Your daily check-ins have started. The first one comes {when}.\n"
                "Tap “🔔 Daily check-in” to see them, or to say you are away."
            ).format(when=when),
        )
        return
    await checkins.stop_plan(session, user, user, clock=clock)
    await callback.answer()
    await retire_buttons(callback, _("✖️ No, thank you"))
    if proposer is not None:

        def render_declined() -> Rendered:
            text = _("{name} said “No, thank you” to daily check-ins. Nothing was started.")
            return text.format(name=html.quote(name)), None

        await notifier.tell_user(
            proposer, render_declined, kind="checkin.declined", priority=Priority.NOTICE
        )
    await send_main_menu(
        bot,
        chat_id,
        user,
        _("All right, no check-ins. If you change your mind, tap “🔔 Daily check-in”."),
    )


async def _tell_coordinators_stopped(notifier: Notifier, resident: User) -> None:
    name = resident.display_name or "—"

    def render() -> Rendered:
        text = _("⏹ {name} has stopped their daily check-ins.").format(name=html.quote(name))
        return text, None

    await notifier.tell_coordinators(render, kind="checkin.stopped", priority=Priority.NOTICE)


async def _pause(
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    back_on: date,
    clock: Clock,
    bot: Bot,
) -> bool:
    """Pause until `back_on`; False (and the reason said) when that day cannot be used."""
    try:
        await checkins.pause_until(session, user, back_on, clock=clock)
    except PauseDateInvalid:
        await bot.send_message(
            chat_id,
            _("Please choose a day from tomorrow up to {days} days ahead.").format(
                days=checkins.MAX_PAUSE_DAYS
            ),
        )
        return False
    except CheckinNotFound:
        await state.clear()
        await send_main_menu(bot, chat_id, user, _("Your daily check-ins are not on now."))
        return False
    await state.clear()
    await send_main_menu(bot, chat_id, user, views.paused_text(back_on))
    return True


async def typed_back_on(
    message: Message, state: FSMContext, session: AsyncSession, user: User, clock: Clock, bot: Bot
) -> None:
    today = local_date(clock.now(), user.timezone)
    back_on = parse_day(message.text or "", today)
    if back_on is None:
        await message.answer(
            _("Sorry, I could not read that day.") + "\n\n" + views.date_question()
        )
        return
    await _pause(message.chat.id, state, session, user, back_on, clock, bot)


async def back_on_not_text(message: Message) -> None:
    await message.answer(views.date_question())


async def _come_back(
    callback: CallbackQuery,
    plan: CheckinPlan,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
) -> None:
    if not checkins.is_paused(plan, clock.now()):
        await callback.answer(_("Your check-ins are already on. 👍"), show_alert=True)
        await retire_buttons(callback)
        return
    plan = await checkins.resume(session, user, clock=clock)
    await callback.answer()
    await retire_buttons(callback, _("▶️ I'm back"))
    first = plan.next_checkin_at
    when = views.moment_label(first, user.timezone, clock.now()) if first else "—"
    await send_main_menu(
        bot,
        callback.from_user.id,
        user,
        _("▶️ Welcome back! Your check-ins are on again. The next one comes {when}.").format(
            when=when
        ),
    )


# ---- /checkins: the board, and checking in on someone's behalf ---------------------------


async def checkins_entry(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    """/checkins and the menu buttons: each role sees its own view."""
    await state.clear()
    chat_id = message.chat.id
    if _is_resident(user):
        await show_own_plan(chat_id, session, user, clock, bot)
    elif _is_coordinator(user):
        await _show_board(chat_id, session, settings, clock, bot)
    elif user.is_onboarded and user.role is UserRole.VOLUNTEER:
        await _show_watched(chat_id, session, user, settings, clock, bot)
    else:
        await message.answer(_("You are not registered yet. Send /start to begin."))


async def _show_board(
    chat_id: int, session: AsyncSession, settings: Settings, clock: Clock, bot: Bot
) -> None:
    lines = await checkins.today_board(session, clock=clock, timezone=settings.default_timezone)
    if not lines:
        await bot.send_message(chat_id, _("Nobody has daily check-ins yet. /enrol adds someone."))
        return
    today = local_date(clock.now(), settings.default_timezone)
    await bot.send_message(
        chat_id, views.board_text(lines, today), reply_markup=views.board_keyboard(lines)
    )


async def _show_watched(
    chat_id: int, session: AsyncSession, user: User, settings: Settings, clock: Clock, bot: Bot
) -> None:
    watched = await checkins.residents_watched_by(session, user)
    if not watched:
        await bot.send_message(
            chat_id, _("You are not on anyone's check-in list. Thank you for looking!")
        )
        return
    lines = [
        line
        for line in await checkins.today_board(
            session, clock=clock, timezone=settings.default_timezone
        )
        if line.resident.id in watched
    ]
    today = local_date(clock.now(), settings.default_timezone)
    title = _("📋 Check-ins of the people you look after, {day}").format(
        day=views.day_with_weekday(today)
    )
    rows = [views.proxy_button(line.resident) for line in lines[: views.BOARD_BUTTONS]]
    await bot.send_message(
        chat_id,
        views.board_text(lines, today, title=title),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None,
    )


async def proxy_action(
    callback: CallbackQuery,
    callback_data: CheckinProxy,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    """ "I called her, she's fine": coordinators and the volunteers of her chain only, once a
    day; everyone who was alerted hears it."""
    resident_id = callback_data.resident_id
    if not await checkins.may_check_in_for(session, user, resident_id):
        await callback.answer(
            _("Only coordinators, and volunteers on this person's list, can do this."), True
        )
        return
    resident = await session.get(User, resident_id)
    plan = await checkins.plan_for(session, resident_id)
    if resident is None or plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        await callback.answer(_("This person has no daily check-ins now."), show_alert=True)
        await retire_buttons(callback)
        return
    name = resident.display_name or "—"
    already = plan.covered_on == local_date(clock.now(), resident.timezone)
    if callback_data.action == "no":
        await callback.answer()
        await retire_buttons(callback, _("↩️ Not yet"))
        return
    if already:
        await callback.answer(
            _("Already noted today: {name} is well. Thank you!").format(name=name), True
        )
        if callback_data.action == "yes":
            await retire_buttons(callback)
        return
    if callback_data.action == "ask":
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(
                _(
                    "☎️ Did you reach {name} today, and all is well? Their open check-in is "
                    "closed, and no more are sent today."
                ).format(name=html.quote(name)),
                reply_markup=views.proxy_confirm_keyboard(resident),
            )
        return
    if callback_data.action != "yes":
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        outcomes = await checkins.check_in_for(session, user, resident_id, kind="call", clock=clock)
    except DomainError:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    notifier = Notifier(session, settings, clock, i18n)
    for outcome in outcomes:
        await tell_outcome(notifier, outcome, "proxy")
    await callback.answer(_("✅ Thank you! Noted."))
    await retire_buttons(
        callback,
        _("✅ Noted: {name} is well today. No more check-ins are sent to them today.").format(
            name=name
        ),
    )


async def details_in_steps(
    message: Message, state: FSMContext, user: User, i18n: I18n, bot: Bot
) -> None:
    """ "👤 My details" from the menu ends the set-up (nothing was saved) and shows them."""
    await state.clear()
    await show_details(message, user, i18n, bot)


# ---- the router ---------------------------------------------------------------------------


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="checkin_setup")
    mine = StateFilter(None, *CheckinSetup.__all_states__, *AwayFlow.__all_states__)
    router.message.register(start_enrol, PRIVATE, Command("enrol"))
    router.message.register(checkins_entry, PRIVATE, Command("checkins"))
    router.message.register(checkins_entry, PRIVATE, mine, button_text("🔔 Daily check-in"))
    router.message.register(checkins_entry, PRIVATE, mine, button_text("📋 Check-ins today"))
    # the menu still works in the middle of these steps ("🙋 I need help" above all)
    in_steps = StateFilter(*CheckinSetup.__all_states__, *AwayFlow.__all_states__)
    router.message.register(start_asking, PRIVATE, in_steps, button_text("🙋 I need help"))
    router.message.register(show_my_requests, PRIVATE, in_steps, button_text("📋 My requests"))
    router.message.register(details_in_steps, PRIVATE, in_steps, button_text("👤 My details"))
    router.callback_query.register(setup_step, CheckinSetupStep.filter())
    router.callback_query.register(plan_action, CheckinPlanAction.filter())
    router.callback_query.register(proxy_action, CheckinProxy.filter())
    router.message.register(typed_resident_name, CheckinSetup.resident, F.text)
    router.message.register(typed_time, CheckinSetup.times, F.text)
    router.message.register(typed_volunteer_name, CheckinSetup.volunteers, F.text)
    router.message.register(typed_contact, CheckinSetup.contact, F.text)
    router.message.register(typed_back_on, AwayFlow.back_on, F.text)
    router.message.register(back_on_not_text, AwayFlow.back_on)
    router.message.register(expected_button, StateFilter(*CheckinSetup.__all_states__))
    return router
