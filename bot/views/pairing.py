"""Words and buttons of /pair: a coordinator pairs a volunteer with a resident (who, who
visits, how often, which day, what time, a safety code, then a check before saving)."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PairStep
from bot.services.visits import WEEKS, Schedule
from bot.views.keyboards import one_per_row
from bot.views.visits import (
    MONTH_DAY_CHOICES,
    TIME_CHOICES,
    cadence_label,
    schedule_label,
    weekday_label,
    when,
)
from storage.models import User, Visit, VisitCadence

PAGE = 6  # names on one page of the list


def pair_button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PairStep(action=action, value=value).pack()
    )


def _name(person: User | None) -> str:
    return html.quote(person.display_name or "—") if person else "—"


def people_page(
    people: list[User], *, residents: bool, name: str | None, more_from: int | None
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of names to tap, "more" (from `more_from`) if there are more, and the hint that
    typing finds."""
    action = "res" if residents else "vol"
    buttons = [
        pair_button(f"{person.display_name or '—'} · {person.area or '—'}", action, str(person.id))
        for person in people
    ]
    if more_from is not None:
        buttons.append(pair_button(_("➡️ More"), "rpage" if residents else "vpage", str(more_from)))
    buttons.append(pair_button(_("✖️ Cancel"), "stop"))
    if not people:
        question = (
            _("I found nobody called “{name}”. Try another part of the name.").format(
                name=html.quote(name)
            )
            if name
            else _("There is nobody to choose yet.")
        )
    elif residents:
        question = _("👵 Who is the resident? Tap a name, or type a part of the name.")
    else:
        question = _("🙋 Who will visit? Tap a volunteer, or type a part of the name.")
    return question, one_per_row(buttons)


def chosen_resident(resident: User) -> str:
    """A note under the pressed list (plain text: the note is quoted where it is shown)."""
    return _("👵 Resident: {name}").format(name=resident.display_name or "—")


def chosen_volunteer(volunteer: User) -> str:
    return _("🙋 Volunteer: {name}").format(name=volunteer.display_name or "—")


def cadence_question() -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        pair_button(cadence_label(cadence), "cad", cadence.value) for cadence in VisitCadence
    ]
    return _("How often?"), one_per_row(buttons)


def month_day_label(day: int) -> str:
    return _("Day {day} of the month").format(day=day)


def day_question(cadence: VisitCadence) -> tuple[str, InlineKeyboardMarkup]:
    if cadence in WEEKS:
        buttons = [pair_button(weekday_label(day), "day", str(day)) for day in range(7)]
        return _("On which day of the week?"), one_per_row(buttons)
    buttons = [pair_button(month_day_label(day), "day", str(day)) for day in MONTH_DAY_CHOICES]
    question = _("On which day of the month? Tap one, or write a day from 1 to 28.")
    return question, one_per_row(buttons)


def time_label(at: str) -> str:
    return f"🕒 {at}"


def time_question() -> tuple[str, InlineKeyboardMarkup]:
    buttons = [pair_button(time_label(at), "time", at.replace(":", ".")) for at in TIME_CHOICES]
    question = _("At what time (the resident's clock)? Tap one, or write it like 10:30.")
    return question, one_per_row(buttons)


def code_question() -> tuple[str, InlineKeyboardMarkup]:
    return _(
        "🔑 A safety code? A word or number the volunteer will say at the door, so the "
        "resident knows they are from us. Type it, or tap “No code”."
    ), one_per_row([pair_button(_("⏭ No code"), "nocode")])


def no_code_note() -> str:
    return _("🔑 No safety code.")


def check_before_saving(
    resident: User | None, volunteer: User | None, schedule: Schedule, code: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>Please check</b>\n👵 Resident: {resident}\n🙋 Volunteer: {volunteer}\n{schedule}\n"
        "🔑 Safety code: {code}"
    ).format(
        resident=_name(resident),
        volunteer=_name(volunteer),
        schedule=schedule_label(schedule),
        code=html.quote(code) if code else _("none"),
    )
    return text, one_per_row(
        [pair_button(_("✅ Pair them"), "go"), pair_button(_("✖️ Cancel"), "stop")]
    )


def paired_text(volunteer: User, resident: User, schedule: Schedule, visit: Visit) -> str:
    return _(
        "✅ Paired: {volunteer} with {resident}.\n{schedule}\nFirst: {when}. Both have been told."
    ).format(
        volunteer=_name(volunteer),
        resident=_name(resident),
        schedule=schedule_label(schedule),
        when=when(visit, resident.timezone),
    )


def paired_answer() -> str:
    return _("✅ Paired.")


def already_paired_text() -> str:
    return _("These two are already paired, so nothing was changed.")


def cannot_pair_text() -> str:
    return _(
        "One of them can no longer be paired (not registered or not approved). Nothing was saved."
    )


def type_a_name_text() -> str:
    return _("Please tap a name, or type a part of the name ✍️")


def type_the_code_text() -> str:
    return _("Please write the code in a message, or tap “No code”.")


def not_for_you_text() -> str:
    return _("Only coordinators can pair volunteers with residents.")


def stopped_text() -> str:
    return _("Stopped. Nothing was saved.")
