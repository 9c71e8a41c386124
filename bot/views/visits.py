"""Words, buttons and notices of paired visits, in the current language. Big buttons, one per
row. Only the volunteer's reminder an hour before a visit shows the resident's address and phone
(a reveal, written to the audit log by the service); the resident is told only the volunteer's
first name; the coordinators get names and times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PairStep, VisitAction
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services.visits import (
    LOG_EARLIEST,
    DueStep,
    Schedule,
    Step,
    resident_was_told,
)
from bot.views.texts import duration_label, first_name, local_time
from storage.models import Pairing, User, Visit, VisitCadence, VisitKind, VisitOutcome, VisitStatus

MINUTE_CHOICES = (15, 30, 60, 90, 120)
TIME_CHOICES = ("09:00", "10:00", "14:00", "15:00", "16:00", "19:00")
MONTH_DAY_CHOICES = (1, 5, 10, 15, 20, 25)


def _rows(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


def _visit_button(text: str, visit: Visit, action: str, value: int = 0) -> InlineKeyboardButton:
    data = VisitAction(action=action, visit_id=visit.id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def pair_button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PairStep(action=action, value=value).pack()
    )


# ---- words ----------------------------------------------------------------------------------


def weekday_label(weekday: int) -> str:
    labels = (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )
    return labels[weekday]


def cadence_label(cadence: VisitCadence) -> str:
    labels = {
        VisitCadence.WEEKLY: _("🏠 A visit every week"),
        VisitCadence.FORTNIGHTLY: _("🏠 A visit every two weeks"),
        VisitCadence.MONTHLY: _("🏠 A visit every month"),
        VisitCadence.QUARTERLY_CALL: _("📞 A phone call every three months"),
        VisitCadence.HALF_YEARLY_VISIT: _("🏠 A visit every six months"),
    }
    return labels[cadence]


def schedule_label(schedule: Schedule) -> str:
    """ "🏠 A visit every week: Monday, 10:00"."""
    if schedule.weekday is not None:
        day = weekday_label(schedule.weekday)
    else:
        day = _("day {day} of the month").format(day=schedule.month_day)
    return _("{cadence}: {day}, {time}").format(
        cadence=cadence_label(schedule.cadence), day=day, time=schedule.local_time
    )


def when(visit: Visit, timezone: str) -> str:
    """ "Monday 3/9 10:00" on the resident's clock."""
    weekday = visit.scheduled_at.astimezone(ZoneInfo(timezone)).weekday()
    return f"{weekday_label(weekday)} {local_time(visit.scheduled_at, timezone)}"


def kind_label(kind: VisitKind) -> str:
    return _("🏠 Visit") if kind is VisitKind.VISIT else _("📞 Phone call")


WELLBEING_LABELS = ("😟", "🙁", "😐", "🙂", "😄")


def wellbeing_label(score: int) -> str:
    words = (
        _("Very poor"),
        _("Poor"),
        _("So-so"),
        _("Well"),
        _("Very well"),
    )
    return f"{WELLBEING_LABELS[score]} {score} · {words[score]}"


def outcome_label(outcome: VisitOutcome) -> str:
    labels = {
        VisitOutcome.DONE: _("✅ It happened"),
        VisitOutcome.NOBODY_HOME: _("🚪 Nobody answered"),
        VisitOutcome.POSTPONED: _("📅 Put off to another day"),
    }
    return labels[outcome]


def status_note(visit: Visit) -> str:
    labels = {
        VisitStatus.SCHEDULED: _("not confirmed yet"),
        VisitStatus.CONFIRMED: _("✅ confirmed"),
        VisitStatus.CANCELLED: _("✖️ cannot come"),
        VisitStatus.LOGGED: _("📝 logged"),
    }
    return labels[visit.status]


def _name(user: User) -> str:
    return html.quote(user.display_name or "—")


def code_line(pairing: Pairing) -> str:
    if not pairing.safety_code:
        return ""
    return "\n" + _(
        "🔑 Safety code: say “{code}” at the door, so they know you are from us."
    ).format(code=html.quote(pairing.safety_code))


# ---- keyboards ------------------------------------------------------------------------------


def reminder_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    buttons = []
    if visit.status is VisitStatus.SCHEDULED:
        buttons.append(_visit_button(_("✅ I'll be there"), visit, "yes"))
    buttons.append(_visit_button(_("✖️ I can't make it"), visit, "no"))
    return _rows(buttons)


def log_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return _rows([_visit_button(_("📝 Log the visit"), visit, "log")])


def outcome_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return _rows(
        [
            _visit_button(outcome_label(outcome), visit, "out", number)
            for number, outcome in enumerate(VisitOutcome)
        ]
    )


def wellbeing_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return _rows(
        [_visit_button(wellbeing_label(score), visit, "wb", score) for score in range(4, -1, -1)]
    )


def after_log_keyboard(visit: Visit) -> InlineKeyboardMarkup | None:
    """Change the time counted, or add a note: both optional."""
    buttons = []
    if visit.outcome is not VisitOutcome.POSTPONED:
        buttons = [
            _visit_button(
                ("✅ " if minutes == visit.minutes else "⏱ ") + duration_label(minutes),
                visit,
                "min",
                minutes,
            )
            for minutes in MINUTE_CHOICES
        ]
    if not visit.note:
        buttons.append(_visit_button(_("✍️ Add a note"), visit, "note"))
    return _rows(buttons) if buttons else None


def skip_reason_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return _rows([_visit_button(_("⏭ Skip"), visit, "skip")])


def own_visit_keyboard(visit: Visit, now: datetime) -> InlineKeyboardMarkup:
    """In /visits: log it once its time is near, else confirm or cancel."""
    if now >= visit.scheduled_at - LOG_EARLIEST:
        return log_keyboard(visit)
    return reminder_keyboard(visit)


# ---- messages -------------------------------------------------------------------------------


def visit_line(visit: Visit, volunteer: User, resident: User) -> str:
    return _("{when} · {kind} · {volunteer} → {resident} · {status}").format(
        when=when(visit, resident.timezone),
        kind=kind_label(visit.kind),
        volunteer=_name(volunteer),
        resident=_name(resident),
        status=status_note(visit),
    )


def volunteer_visit_card(visit: Visit, resident: User) -> str:
    """What a volunteer sees in /visits: who and when, no address (that comes an hour before)."""
    return _("{kind} with {name} ({area})\n🕒 {when}\n{status}").format(
        kind=kind_label(visit.kind),
        name=_name(resident),
        area=html.quote(resident.area or "—"),
        when=when(visit, resident.timezone),
        status=status_note(visit),
    )


def logged_text(visit: Visit) -> str:
    text = _("📝 Logged: {outcome}.").format(
        outcome=outcome_label(visit.outcome or VisitOutcome.DONE)
    )
    if visit.wellbeing is not None:
        text += "\n" + _("How they seemed: {wellbeing}").format(
            wellbeing=wellbeing_label(visit.wellbeing)
        )
    if visit.minutes:
        text += "\n" + _(
            "⏱ Time counted: {spent}. Tap another time if it took longer or shorter."
        ).format(spent=duration_label(visit.minutes))
    if visit.note:
        text += "\n" + _("Note: {note}").format(note=html.quote(visit.note))
    return _("🙏 Thank you!") + "\n" + text


# ---- notices (through the outbox) -----------------------------------------------------------


async def tell_paired(
    notifier: Notifier, pairing: Pairing, visit: Visit, volunteer: User, resident: User
) -> None:
    """The volunteer learns who, how often and the first date; the resident who will come (at a
    decent hour on their clock)."""
    schedule = Schedule.of(pairing)
    volunteer_name = first_name(volunteer)

    def to_volunteer() -> Rendered:
        text = _(
            "🤝 You are now paired with {name} ({area}).\n{schedule}\nFirst: {when}.\n"
            "I will remind you the day before and an hour before."
        ).format(
            name=_name(resident),
            area=html.quote(resident.area or "—"),
            schedule=schedule_label(schedule),
            when=when(visit, resident.timezone),
        )
        return text + code_line(pairing), reminder_keyboard(visit)

    def to_resident() -> Rendered:
        text = _(
            "🤝 Good news! {name}, a volunteer, will keep in touch with you.\n{schedule}\n"
            "First: {when}. I will tell you the day before."
        ).format(
            name=html.quote(volunteer_name),
            schedule=schedule_label(schedule),
            when=when(visit, resident.timezone),
        )
        return text, None

    await notifier.tell_user(volunteer, to_volunteer, kind="visit.paired", priority=Priority.NOTICE)
    await notifier.tell_user(
        resident,
        to_resident,
        kind="visit.paired",
        priority=Priority.NOTICE,  # at night, held for the morning by the Notifier
    )


async def send_due_step(notifier: Notifier, due: DueStep) -> None:
    """One step the scheduler claimed: reminders, the resident's notice, the log question, the
    coordinators' flag."""
    visit, pairing, volunteer, resident = due.visit, due.pairing, due.volunteer, due.resident
    if due.step is Step.DAY_BEFORE:
        if due.remind:
            await notifier.tell_user(
                volunteer,
                lambda: (_day_before_text(visit, pairing, resident), reminder_keyboard(visit)),
                kind="visit.reminder",
                priority=Priority.REMINDER,
            )
        if due.tell_resident:
            await notifier.tell_user(
                resident,
                lambda: (_resident_notice(visit, pairing, volunteer, resident), None),
                kind="visit.resident_notice",
                priority=Priority.REMINDER,
                not_before=due.tell_resident_after,  # the morning, when told at night
            )
    elif due.step is Step.HOUR_BEFORE and due.remind:
        await notifier.tell_user(
            volunteer,
            lambda: (_hour_before_text(visit, pairing, resident), reminder_keyboard(visit)),
            kind="visit.address",  # at least once: see delivers_at_least_once
            priority=Priority.REMINDER,
        )
        if visit.kind is VisitKind.VISIT and not resident.address:
            await notifier.tell_coordinators(
                lambda: (_no_address_text(visit, volunteer, resident), None),
                kind="visit.no_address",
                priority=Priority.ALERT,
            )
    elif due.step is Step.ASK_LOG:
        await notifier.tell_user(
            volunteer,
            lambda: (
                _("📝 How did it go with {name} ({when})? It takes two taps.").format(
                    name=_name(resident), when=when(visit, resident.timezone)
                ),
                log_keyboard(visit),
            ),
            kind="visit.ask_log",
            priority=Priority.REMINDER,
        )
    elif due.step is Step.FLAG:
        await notifier.tell_coordinators(
            lambda: (
                _(
                    "⏰ Not logged: {volunteer} has not said how the {kind} with {resident} "
                    "went ({when})."
                ).format(
                    volunteer=_name(volunteer),
                    kind=kind_label(visit.kind),
                    resident=_name(resident),
                    when=when(visit, resident.timezone),
                ),
                None,
            ),
            kind="visit.not_logged",
            priority=Priority.NOTICE,
        )


def _day_before_text(visit: Visit, pairing: Pairing, resident: User) -> str:
    text = _("⏰ Reminder: {kind} with {name} ({area}) tomorrow, {when}.").format(
        kind=kind_label(visit.kind),
        name=_name(resident),
        area=html.quote(resident.area or "—"),
        when=when(visit, resident.timezone),
    )
    return text + code_line(pairing)


def _hour_before_text(visit: Visit, pairing: Pairing, resident: User) -> str:
    text = _("⏰ In about an hour: {kind} with {name}, {when}.").format(
        kind=kind_label(visit.kind), name=_name(resident), when=when(visit, resident.timezone)
    )
    if visit.kind is VisitKind.VISIT and resident.address:
        text += "\n" + _("🏠 Address: {address}\n📞 Phone: {phone}\n🔑 Notes: {notes}").format(
            address=html.quote(resident.address),
            phone=html.quote(resident.phone or "—"),
            notes=html.quote(resident.access_notes or "—"),
        )
    elif visit.kind is VisitKind.VISIT:
        text += "\n" + _(
            "🏠 We do not have {name}'s address yet, sorry. The coordinators have been told "
            "and will send it to you."
        ).format(name=_name(resident))
        if resident.phone:
            text += "\n" + _("📞 Phone: {phone}").format(phone=html.quote(resident.phone))
    else:
        text += "\n" + _("📞 Phone: {phone}").format(phone=html.quote(resident.phone or "—"))
    return text + code_line(pairing)


def _no_address_text(visit: Visit, volunteer: User, resident: User) -> str:
    """For the coordinators: the volunteer is on their way soon and has no address to go to."""
    return _(
        "🏠 {volunteer} visits {resident} ({when}), and we have no address for {resident}. "
        "Please send it to {volunteer}."
    ).format(
        volunteer=_name(volunteer), resident=_name(resident), when=when(visit, resident.timezone)
    )


def _resident_notice(visit: Visit, pairing: Pairing, volunteer: User, resident: User) -> str:
    if visit.kind is VisitKind.CALL:
        text = _("📞 Tomorrow, {when}, {name}, a volunteer, will phone you.")
    else:
        text = _("🏠 Tomorrow, {when}, {name}, a volunteer, will come to see you.")
    text = text.format(when=when(visit, resident.timezone), name=html.quote(first_name(volunteer)))
    if pairing.safety_code:
        text += "\n" + _(
            "🔑 They will say the code “{code}”. If someone does not know it, do not open the door."
        ).format(code=html.quote(pairing.safety_code))
    return text


async def tell_cancelled(
    notifier: Notifier, visit: Visit, volunteer: User, resident: User, *, reason: str | None = None
) -> None:
    """At once to the coordinators; to the resident only if they were told someone is coming."""
    volunteer_name = first_name(volunteer)

    def to_coordinators() -> Rendered:
        if reason:
            text = _("✖️ {volunteer} gave a reason for not coming to {resident} ({when}): {reason}")
        else:
            text = _(
                "✖️ {volunteer} cannot make the {kind} with {resident} ({when}). Please find "
                "someone else or tell the resident."
            )
        return text.format(
            volunteer=_name(volunteer),
            kind=kind_label(visit.kind),
            resident=_name(resident),
            when=when(visit, resident.timezone),
            reason=html.quote(reason or ""),
        ), None

    await notifier.tell_coordinators(
        to_coordinators, kind="visit.cancelled", priority=Priority.ALERT
    )
    if reason is None and resident_was_told(visit):
        await notifier.tell_user(
            resident,
            lambda: (
                _(
                    "{name} cannot come on {when} after all, sorry. A coordinator will be in "
                    "touch with you."
                ).format(name=html.quote(volunteer_name), when=when(visit, resident.timezone)),
                None,
            ),
            kind="visit.cancelled",
            priority=Priority.NOTICE,
        )


async def tell_nobody_home(
    notifier: Notifier, visit: Visit, volunteer: User, resident: User
) -> None:
    """Nobody answered at an elder's door: the coordinators should know now."""
    await notifier.tell_coordinators(
        lambda: (
            _(
                "🚪 Nobody answered: {volunteer} found nobody for the {kind} with {resident} "
                "({when}). Please check on them."
            ).format(
                volunteer=_name(volunteer),
                kind=kind_label(visit.kind),
                resident=_name(resident),
                when=when(visit, resident.timezone),
            ),
            None,
        ),
        kind="visit.nobody_home",
        priority=Priority.ALERT,
    )


async def tell_low_wellbeing(
    notifier: Notifier, visit: Visit, volunteer: User, resident: User
) -> None:
    """Two low wellbeing scores in a row."""
    await notifier.tell_coordinators(
        lambda: (
            _(
                "💛 Please look in on {resident}: the last two visits found them unwell "
                "(latest: {wellbeing}, by {volunteer}, {when})."
            ).format(
                resident=_name(resident),
                wellbeing=wellbeing_label(visit.wellbeing or 0),
                volunteer=_name(volunteer),
                when=when(visit, resident.timezone),
            ),
            None,
        ),
        kind="visit.low_wellbeing",
        priority=Priority.ALERT,
    )
