"""Words and buttons of setting up daily check-ins: the coordinator's /enrol steps (whom, the
times ended by the days, who is told, the summary: six taps for one time and no contacts), the
resident's own set-up, the plan as the resident sees it (and agrees to), "I'm away" (the
coordinators' board of today is `checkin_board`). Rendered in the reader's language; big
buttons, one per row where an elder reads them.

A resident's exact address and phone never appear here; an emergency contact's phone is shown
to coordinators only (the resident sees names)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinPlanAction, CheckinSetupStep
from bot.services.checkins import (
    MAX_PHONE_CONTACTS,
    MAX_VOLUNTEERS,
    ChainLink,
)
from bot.services.schedule import EVERY_DAY, QuietHours, time_label
from bot.views.texts import day_with_weekday, weekday_names
from bot.views.words import join_items, phone_html
from storage.models import CheckinPlan, ContactKind, User

TIME_CHOICES = ("07:30", "08:00", "09:00", "10:00", "12:00", "15:00", "18:00", "20:00")
WEEKDAYS = (0, 1, 2, 3, 4)
PAGE_SIZE = 8
AWAY_CHOICES = (1, 3, 7, 14)
NAME_IN_BUTTON = 24


@dataclass(frozen=True)
class DraftPlan:
    """What the set-up conversation has gathered so far, to show before anything is saved."""

    resident_name: str
    times: list[str]
    days: list[int]
    links: list[ChainLink]
    first_alert_minutes: int


# ---- small words --------------------------------------------------------------------------


def short(text: str | None, limit: int) -> str:
    text = (text or "—").strip() or "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def days_label(days: Sequence[int]) -> str:
    chosen = sorted(set(days))
    if chosen == list(EVERY_DAY):
        return _("every day")
    if chosen == list(WEEKDAYS):
        return _("Monday to Friday")
    names = weekday_names()
    return join_items(names[day] for day in chosen)


def times_label(times: Sequence[str]) -> str:
    return join_items(sorted(times))


def time_value(label: str) -> str:
    """ "09:30" -> "0930": a colon cannot go in callback data."""
    return label.replace(":", "")


def time_from_value(value: str) -> str:
    return f"{value[:2]}:{value[2:]}" if len(value) == 4 and value.isdigit() else ""


def quiet_label(quiet: QuietHours) -> str:
    return f"{time_label(quiet.start)}–{time_label(quiet.end)}"


def moment_label(moment: datetime, timezone: str, now: datetime) -> str:
    """ "today at 18:00", "tomorrow at 09:00", or "Mon 3/9 at 09:00", in the person's time."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    at = local.strftime("%H:%M")
    if local.date() == today:
        return _("today at {time}").format(time=at)
    if (local.date() - today).days == 1:
        return _("tomorrow at {time}").format(time=at)
    return _("{day} at {time}").format(day=day_with_weekday(local.date()), time=at)


def link_line(link: ChainLink, *, for_coordinators: bool) -> str:
    name = html.quote(link.name or "—")
    if link.kind is ContactKind.VOLUNTEER:
        return _("🤝 {name}, volunteer").format(name=name)
    if link.kind is ContactKind.COORDINATORS:
        return _("👥 The community coordinators")
    if link.kind is ContactKind.PHONE:
        if for_coordinators and link.phone:
            return _("☎️ {name}, {phone}: the coordinators will phone").format(
                name=name, phone=phone_html(link.phone, "")
            )
        return _("☎️ {name}: the coordinators will phone").format(name=name)
    return _("👤 {name}").format(name=name)


def chain_lines(links: Sequence[ChainLink], *, for_coordinators: bool) -> str:
    return "\n".join(
        f"{number}. {link_line(link, for_coordinators=for_coordinators)}"
        for number, link in enumerate(links, start=1)
    )


def draft_links(
    volunteer_names: Sequence[str], contacts: Sequence[tuple[str, str]]
) -> list[ChainLink]:
    """The chain in the order the service will keep it: volunteers (they can knock on the
    door), the coordinators, then the people to phone."""
    return [
        *(ChainLink(ContactKind.VOLUNTEER, name) for name in volunteer_names),
        ChainLink(ContactKind.COORDINATORS, None),
        *(ChainLink(ContactKind.PHONE, name, phone) for name, phone in contacts),
    ]


# ---- buttons ------------------------------------------------------------------------------


def _step(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=CheckinSetupStep(action=action, value=value).pack()
    )


def _keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _pager(action: str, offset: int, total: int) -> list[InlineKeyboardButton]:
    row = []
    if offset > 0:
        row.append(_step(_("⬅️ Previous"), action, str(max(offset - PAGE_SIZE, 0))))
    if offset + PAGE_SIZE < total:
        row.append(_step(_("Next ➡️"), action, str(offset + PAGE_SIZE)))
    return row


def person_label(person: User) -> str:
    name = short(person.display_name, NAME_IN_BUTTON)
    return f"{name} · {short(person.area, 20)}" if person.area else name


def residents_keyboard(residents: Sequence[User], offset: int, total: int) -> InlineKeyboardMarkup:
    rows = [[_step("👤 " + person_label(person), "who", str(person.id))] for person in residents]
    pager = _pager("rpage", offset, total)
    if pager:
        rows.append(pager)
    return _keyboard(rows)


def times_keyboard(chosen: Sequence[str]) -> InlineKeyboardMarkup:
    """The usual times two to a row (short labels), the typed ones after them, ✅ on chosen."""
    options = list(TIME_CHOICES) + sorted(set(chosen) - set(TIME_CHOICES))
    buttons = [
        _step(f"✅ {label}" if label in chosen else label, "time", time_value(label))
        for label in options
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_step(_("⌨️ Type another time"), "typetime")])
    # the days end the step: one tap says both "these times" and "on these days"
    rows.append([_step(_("📅 Every day"), "timesdone", "all")])
    rows.append([_step(_("💼 Monday to Friday"), "timesdone", "weekdays")])
    rows.append([_step(_("✏️ Pick the days"), "timesdone", "pick")])
    return _keyboard(rows)


def pick_days_keyboard(chosen: Sequence[int]) -> InlineKeyboardMarkup:
    names = weekday_names()
    buttons = [
        _step(f"✅ {names[day]}" if day in chosen else names[day], "day", str(day))
        for day in EVERY_DAY
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_step(_("➡️ Done"), "daysdone")])
    return _keyboard(rows)


def volunteers_keyboard(
    volunteers: Sequence[User], chosen: Sequence[int], offset: int, total: int
) -> InlineKeyboardMarkup:
    rows = [
        [
            _step(
                ("✅ " if person.id in chosen else "🤝 ") + person_label(person),
                "vol",
                str(person.id),
            )
        ]
        for person in volunteers
    ]
    pager = _pager("vpage", offset, total)
    if pager:
        rows.append(pager)
    rows.append([_step(_("☎️ Someone to phone as well"), "phone")])
    rows.append([_step(_("➡️ Done") if chosen else _("⏭ Skip"), "voldone")])
    return _keyboard(rows)


def contact_keyboard(added: int) -> InlineKeyboardMarkup:
    return _keyboard([[_step(_("➡️ Continue") if added else _("⏭ Skip"), "contactdone")]])


def summary_keyboard(resident_name: str) -> InlineKeyboardMarkup:
    return _keyboard(
        [
            [
                _step(
                    _("📨 Send to {name} to agree").format(
                        name=short(resident_name, NAME_IN_BUTTON)
                    ),
                    "send",
                )
            ],
            [_step(_("✏️ Start again"), "restart")],
            [_step(_("✖️ Cancel"), "cancel")],
        ]
    )


def self_start_keyboard() -> InlineKeyboardMarkup:
    return _keyboard([[_step(_("🔔 Yes, set it up"), "self")]])


def stamp_of(plan: CheckinPlan) -> int:
    """When the proposal was written, in seconds: an agree button of an older proposal of the
    same plan row is stale."""
    return int(plan.updated_at.timestamp())


def _plan_button(
    text: str, action: str, plan: CheckinPlan, *, stamp: int = 0, value: int = 0
) -> list[InlineKeyboardButton]:
    data = CheckinPlanAction(action=action, plan_id=plan.id, stamp=stamp, value=value).pack()
    return [InlineKeyboardButton(text=text, callback_data=data)]


def proposal_keyboard(plan: CheckinPlan) -> InlineKeyboardMarkup:
    stamp = stamp_of(plan)
    return _keyboard(
        [
            _plan_button(_("✅ Yes, start my check-ins"), "agree", plan, stamp=stamp),
            _plan_button(_("✖️ No, thank you"), "decline", plan, stamp=stamp),
        ]
    )


def plan_keyboard(plan: CheckinPlan, *, paused: bool) -> InlineKeyboardMarkup:
    rows = [_plan_button(_("✈️ I'm away"), "away", plan)]
    if paused:
        rows.insert(0, _plan_button(_("▶️ I'm back"), "back", plan))
    rows.append(_plan_button(_("⏹ Stop my check-ins"), "stop", plan))
    return _keyboard(rows)


def away_keyboard(plan: CheckinPlan) -> InlineKeyboardMarkup:
    labels = {
        1: _("Until tomorrow"),
        3: _("For 3 days"),
        7: _("For a week"),
        14: _("For 2 weeks"),
    }
    rows = [_plan_button(labels[days], "days", plan, value=days) for days in AWAY_CHOICES]
    rows.append(_plan_button(_("⌨️ Type a date"), "date", plan))
    return _keyboard(rows)


def stop_keyboard(plan: CheckinPlan) -> InlineKeyboardMarkup:
    return _keyboard(
        [
            _plan_button(_("⏹ Yes, stop them"), "stopyes", plan),
            _plan_button(_("↩️ No, keep them"), "keep", plan),
        ]
    )


# ---- questions ----------------------------------------------------------------------------


def residents_question(query: str | None, total: int) -> str:
    text = _("👤 Who should get daily check-ins? Tap a name, or type part of a name to find them.")
    if query:
        text += "\n\n" + _("Names with “{query}”: {count}").format(
            query=html.quote(short(query, 40)), count=total
        )
    return text


def times_question(resident_name: str | None, quiet: QuietHours) -> str:
    if resident_name is None:
        text = _(
            "🕘 At what times should I ask you “Are you all right?” Tap one to four times. "
            "Tap again to remove one."
        )
    else:
        text = _(
            "🕘 At what times should I ask {name} “Are you all right?” Tap one to four times "
            "(their own local time). Tap again to remove one."
        ).format(name=html.quote(resident_name))
    lines = [text]
    if quiet.start != quiet.end:  # quiet hours off: no night to speak of
        lines.append(_("No check-ins at night ({quiet}).").format(quiet=quiet_label(quiet)))
    lines.append(
        _("Then tap the days: “📅 Every day”, “💼 Monday to Friday” or “✏️ Pick the days”.")
    )
    return "\n".join(lines)


def pick_days_question() -> str:
    return _("📅 Tap the days, then “➡️ Done”.")


def volunteers_question(resident_name: str, query: str | None, total: int) -> str:
    text = _(
        "🤝 Which volunteers should be told first if {name} does not answer? They can knock on "
        "the door. Tap to choose (up to {limit}), or type part of a name to find them."
    ).format(name=html.quote(resident_name), limit=MAX_VOLUNTEERS)
    if query:
        text += "\n\n" + _("Names with “{query}”: {count}").format(
            query=html.quote(short(query, 40)), count=total
        )
    elif total == 0:
        text += "\n\n" + _("There are no approved volunteers yet. Tap “⏭ Skip”.")
    return (
        text
        + "\n\n"
        + _(
            "The community coordinators are always told. Family or a neighbour to phone too? "
            "Tap “☎️ Someone to phone as well”."
        )
    )


def contact_question(resident_name: str | None) -> str:
    if resident_name is None:
        intro = _(
            "☎️ The community coordinators are always told if you do not answer. Should they "
            "also phone someone, like family or a neighbour?"
        )
    else:
        intro = _(
            "☎️ An emergency contact? Family or a neighbour the coordinators will phone if "
            "nobody reaches {name}."
        ).format(name=html.quote(resident_name))
    return (
        intro
        + "\n"
        + _("Type the name and the phone number, for example: Li Na 13800138000. Or tap “⏭ Skip”.")
    )


def contact_added(name: str, phone: str, count: int) -> str:
    """The contact just added, with the number read back so a wrong digit is seen now."""
    text = _("✅ Added: {name}, {phone}.").format(name=html.quote(name), phone=phone_html(phone))
    if count < MAX_PHONE_CONTACTS:
        text += " " + _("You can type a second contact, or tap “➡️ Continue”.")
    return text


def summary_text(draft: DraftPlan) -> str:
    """What a coordinator checks before sending: the plan and who is told, in order."""
    name = html.quote(draft.resident_name)
    return "\n".join(
        [
            _("<b>Daily check-ins for {name}</b>").format(name=name),
            _("🕘 Times: {times}").format(times=times_label(draft.times)),
            _("📅 Days: {days}").format(days=days_label(draft.days)),
            "",
            _(
                "If {name} does not answer within {minutes} minutes, these are told, one "
                "after another:"
            ).format(name=name, minutes=draft.first_alert_minutes),
            chain_lines(draft.links, for_coordinators=True),
            "",
            _("{name} sees this list and must agree before check-ins start.").format(name=name),
        ]
    )


def plan_body(plan: CheckinPlan, links: Sequence[ChainLink]) -> str:
    """The plan in plain words for the resident: when, and who is told (names only)."""
    return "\n".join(
        [
            _("🕘 I will ask you “Are you all right?” at {times}.").format(
                times=times_label(plan.times)
            ),
            _("📅 Days: {days}").format(days=days_label(plan.weekdays)),
            _("One tap on “I'm fine 👍” is enough."),
            "",
            _(
                "If you do not answer within {minutes} minutes, I tell these people, one "
                "after another:"
            ).format(minutes=plan.first_alert_minutes),
            chain_lines(links, for_coordinators=False),
        ]
    )


def proposal_text(plan: CheckinPlan, links: Sequence[ChainLink], proposer: User | None) -> str:
    parts = []
    if proposer is not None:
        parts.append(
            _("{name}, a community coordinator, has prepared daily check-ins for you.").format(
                name=html.quote(proposer.display_name or "—")
            )
        )
    parts.append(_("🔔 <b>Daily check-in</b>"))
    parts.append(plan_body(plan, links))
    parts.append(_("Do you agree?"))
    return "\n\n".join(parts)


def plan_text(plan: CheckinPlan, links: Sequence[ChainLink], back_on: date | None) -> str:
    parts = [_("🔔 <b>Your daily check-in</b>"), plan_body(plan, links)]
    if back_on is not None:
        parts.append(
            _(
                "✈️ You are away. Check-ins start again by themselves when you are back on {day}."
            ).format(day=day_with_weekday(back_on))
        )
    return "\n\n".join(parts)


def no_plan_text() -> str:
    return _(
        "🔔 <b>Daily check-in</b>\n\n"
        "At times you choose, I ask you “Are you all right?”. One tap answers. If you do not "
        "answer, a volunteer or the community coordinators check on you.\n\n"
        "Would you like that?"
    )


def away_question() -> str:
    return _("✈️ How long will you be away? Tap one, or type the day you are back.")


def date_question() -> str:
    return _("📅 Type the day you will be back, for example 2026-03-20 or 3/20.")


def paused_text(back_on: date) -> str:
    return _(
        "✈️ Have a good time! No check-ins while you are away. They start again by themselves "
        "when you are back on {day}.\n"
        "Home earlier? Tap “🔔 Daily check-in”, then “▶️ I'm back”."
    ).format(day=day_with_weekday(back_on))
