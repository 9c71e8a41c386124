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

from bot.callbacks import VisitAction
from bot.services.errors import (
    DomainError,
    InvalidInput,
    MinutesInvalid,
    SafetyCodeInvalid,
    TextTooLong,
    VisitChanged,
    VisitDayInvalid,
    VisitNotYet,
    VisitTimeInvalid,
)
from bot.services.visits import LOG_EARLIEST, PairingLine, Schedule, VisitLine
from bot.views.keyboards import one_per_row
from bot.views.texts import duration_label, first_name, local_time
from bot.views.words import phone_html
from storage.models import Pairing, User, Visit, VisitCadence, VisitKind, VisitOutcome, VisitStatus

MINUTE_CHOICES = (15, 30, 60, 90, 120)
TIME_CHOICES = ("09:00", "10:00", "14:00", "15:00", "16:00", "19:00")
MONTH_DAY_CHOICES = (1, 5, 10, 15, 20, 25)


def _visit_button(text: str, visit: Visit, action: str, value: int = 0) -> InlineKeyboardButton:
    data = VisitAction(action=action, visit_id=visit.id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


# ---- words ----------------------------------------------------------------------------------


def invalid_text(error: InvalidInput) -> str:
    """What was wrong with what someone typed (or a forged choice)."""
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


def refused_text(error: DomainError) -> str:
    """Why a press on a visit changed nothing."""
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
            return invalid_text(error)
    return _("This visit is not yours, so nothing was changed.")


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
    return one_per_row(buttons)


def log_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return one_per_row([_visit_button(_("📝 Log the visit"), visit, "log")])


def outcome_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            _visit_button(outcome_label(outcome), visit, "out", number)
            for number, outcome in enumerate(VisitOutcome)
        ]
    )


def wellbeing_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return one_per_row(
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
        buttons.append(_visit_button(_("⌨️ Write how long"), visit, "typemin"))
    if not visit.note:
        buttons.append(_visit_button(_("✍️ Add a note"), visit, "note"))
    return one_per_row(buttons) if buttons else None


def skip_reason_keyboard(visit: Visit) -> InlineKeyboardMarkup:
    return one_per_row([_visit_button(_("⏭ Skip"), visit, "skip")])


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


def overview_text(pairings: list[PairingLine], coming: list[VisitLine]) -> str:
    """A coordinator's /visits: the pairings and the coming visits."""
    lines = [_("🤝 <b>Pairings: {count}</b>").format(count=len(pairings))]
    for line in pairings:
        schedule = schedule_label(Schedule.of(line.pairing))
        code = " 🔑" if line.pairing.safety_code else ""
        lines.append(f"• {_name(line.volunteer)} → {_name(line.resident)}: {schedule}{code}")
    lines.append("")
    lines.append(_("📅 <b>Coming visits: {count}</b>").format(count=len(coming)))
    lines += ["• " + visit_line(item.visit, item.volunteer, item.resident) for item in coming]
    return "\n".join(lines)[:4000]


def own_visits_heading(count: int) -> str:
    return _("📅 Your paired visits: {count}").format(count=count)


def no_visits_text() -> str:
    return _("You have no paired visits coming up.")


def visits_are_for_helpers_text() -> str:
    return _("Paired visits are for volunteers and coordinators.")


# ---- answers to the volunteer's presses -----------------------------------------------------


def confirmed_answer() -> str:
    return _("👍 Thank you! We count on you.")


def confirmed_note() -> str:
    return _("✅ You said you'll be there.")


def cancelled_answer() -> str:
    return _("Thank you for telling us. The coordinators know now.")


def cancelled_note() -> str:
    return _("✖️ You said you can't make it.")


def reason_question() -> str:
    return _("Would you like to tell the coordinator why? Write it in a message, or tap “Skip”.")


def told_in_time_text() -> str:
    return _("Thank you for telling us in time. 🙏")


def reason_passed_on_text() -> str:
    return _("Thank you. I passed it on to the coordinators. 🙏")


def how_did_it_go_text() -> str:
    return _("How did it go?")


def how_did_they_seem_text() -> str:
    return _("How did they seem?")


def logged_answer() -> str:
    return _("📝 Logged. Thank you!")


def saved_answer() -> str:
    return _("⏱ Saved.")


def minutes_question() -> str:
    return _(
        "⌨️ How long did the visit take, including the way there? Write it as you would say "
        "it, for example 45 minutes or 1.5 hours."
    )


def note_placeholder() -> str:
    return _("Your note about the visit")


def note_question() -> str:
    return _("✍️ Write your note in a message. To stop, write “stop”.")


def write_it_text() -> str:
    return _("Please write it in a message ✍️")


# ---- notices (sent by bot.policy.notify.visits) --------------------------------------------


def paired_volunteer_text(pairing: Pairing, visit: Visit, resident: User) -> str:
    text = _(
        "🤝 You are now paired with {name} ({area}).\n{schedule}\nFirst: {when}.\n"
        "I will remind you the day before and an hour before."
    ).format(
        name=_name(resident),
        area=html.quote(resident.area or "—"),
        schedule=schedule_label(Schedule.of(pairing)),
        when=when(visit, resident.timezone),
    )
    return text + code_line(pairing)


def paired_resident_text(pairing: Pairing, visit: Visit, volunteer: User, resident: User) -> str:
    return _(
        "🤝 Good news! {name}, a volunteer, will keep in touch with you.\n{schedule}\n"
        "First: {when}. I will tell you the day before."
    ).format(
        name=html.quote(first_name(volunteer)),
        schedule=schedule_label(Schedule.of(pairing)),
        when=when(visit, resident.timezone),
    )


def day_before_text(visit: Visit, pairing: Pairing, resident: User) -> str:
    text = _("⏰ Reminder: {kind} with {name} ({area}) tomorrow, {when}.").format(
        kind=kind_label(visit.kind),
        name=_name(resident),
        area=html.quote(resident.area or "—"),
        when=when(visit, resident.timezone),
    )
    return text + code_line(pairing)


def hour_before_text(visit: Visit, pairing: Pairing, resident: User) -> str:
    text = _("⏰ In about an hour: {kind} with {name}, {when}.").format(
        kind=kind_label(visit.kind), name=_name(resident), when=when(visit, resident.timezone)
    )
    if visit.kind is VisitKind.VISIT and resident.address:
        text += "\n" + _("🏠 Address: {address}\n📞 Phone: {phone}\n🔑 Notes: {notes}").format(
            address=html.quote(resident.address),
            phone=phone_html(resident.phone),
            notes=html.quote(resident.access_notes or "—"),
        )
    elif visit.kind is VisitKind.VISIT:
        text += "\n" + _(
            "🏠 We do not have {name}'s address yet, sorry. The coordinators have been told "
            "and will send it to you."
        ).format(name=_name(resident))
        if resident.phone:
            text += "\n" + _("📞 Phone: {phone}").format(phone=phone_html(resident.phone, ""))
    else:
        text += "\n" + _("📞 Phone: {phone}").format(phone=phone_html(resident.phone))
    return text + code_line(pairing)


def no_address_text(visit: Visit, volunteer: User, resident: User) -> str:
    """For the coordinators: the volunteer is on their way soon and has no address to go to."""
    return _(
        "🏠 {volunteer} visits {resident} ({when}), and we have no address for {resident}. "
        "Please send it to {volunteer}."
    ).format(
        volunteer=_name(volunteer), resident=_name(resident), when=when(visit, resident.timezone)
    )


def resident_notice(visit: Visit, pairing: Pairing, volunteer: User, resident: User) -> str:
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


def ask_log_text(visit: Visit, resident: User) -> str:
    return _("📝 How did it go with {name} ({when})? It takes two taps.").format(
        name=_name(resident), when=when(visit, resident.timezone)
    )


def not_logged_text(visit: Visit, volunteer: User, resident: User) -> str:
    return _(
        "⏰ Not logged: {volunteer} has not said how the {kind} with {resident} went ({when})."
    ).format(
        volunteer=_name(volunteer),
        kind=kind_label(visit.kind),
        resident=_name(resident),
        when=when(visit, resident.timezone),
    )


def cancelled_text(visit: Visit, volunteer: User, resident: User, reason: str | None) -> str:
    """For the coordinators."""
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
    )


def cancelled_resident_text(visit: Visit, volunteer: User, resident: User) -> str:
    return _(
        "{name} cannot come on {when} after all, sorry. A coordinator will be in touch with you."
    ).format(name=html.quote(first_name(volunteer)), when=when(visit, resident.timezone))


def nobody_home_text(visit: Visit, volunteer: User, resident: User) -> str:
    return _(
        "🚪 Nobody answered: {volunteer} found nobody for the {kind} with {resident} "
        "({when}). Please check on them."
    ).format(
        volunteer=_name(volunteer),
        kind=kind_label(visit.kind),
        resident=_name(resident),
        when=when(visit, resident.timezone),
    )


def low_wellbeing_text(visit: Visit, volunteer: User, resident: User) -> str:
    return _(
        "💛 Please look in on {resident}: the last two visits found them unwell "
        "(latest: {wellbeing}, by {volunteer}, {when})."
    ).format(
        resident=_name(resident),
        wellbeing=wellbeing_label(visit.wellbeing or 0),
        volunteer=_name(volunteer),
        when=when(visit, resident.timezone),
    )
