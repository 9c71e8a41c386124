"""Words and buttons of the day's check-ins: the resident's check-in and reminder, the chain's
alerts, how a missed check-in ended, and the coordinators' notes about plans. Plain functions
from data to text and buttons; who is told is `bot.policy.notify.checkins`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.services.checkins import DueStep, Outcome, StepKind
from bot.views.words import phone_html
from storage.models import Checkin, CheckinContact, ContactKind, User


def local_clock(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def name_of(user: User | None) -> str:
    return html.quote((user.display_name if user else None) or "—")


def answer_keyboard(checkin: Checkin) -> InlineKeyboardMarkup:
    """Two big buttons, one per row."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("I'm fine 👍"),
                    callback_data=CheckinAnswer(answer="fine", checkin_id=checkin.id).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text=_("I need help 🙋"),
                    callback_data=CheckinAnswer(answer="help", checkin_id=checkin.id).pack(),
                )
            ],
        ]
    )


def alert_keyboard(checkin: Checkin) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> list[InlineKeyboardButton]:
        data = CheckinAlertAction(action=action, checkin_id=checkin.id).pack()
        return [InlineKeyboardButton(text=text, callback_data=data)]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            button(_("🙋 I'm handling it"), "take"),
            button(_("✅ Reached them, all well"), "ok"),
            button(_("📵 Could not reach them"), "no"),
        ]
    )


def checkin_text(resident: User, reminder: bool) -> str:
    name = name_of(resident)
    if reminder:
        return _(
            "🔔 {name}, we have not heard from you yet. Please tap a button below, so we know "
            "you are all right."
        ).format(name=name)
    return _(
        "☀️ Hello {name}! This is your daily check-in from your neighbours. Are you all right?"
    ).format(name=name)


def resident_details(resident: User) -> str:
    """What someone who may need to go round needs: where, and the number to call."""
    lines = [_("👤 {name}").format(name=name_of(resident))]
    if resident.phone:
        lines.append(_("📞 {phone}").format(phone=phone_html(resident.phone, "")))
    if resident.address:
        lines.append(_("🏠 {address}").format(address=html.quote(resident.address)))
    else:
        if resident.area:  # the place the coordinators defined: coarse, never typed text
            lines.append("📍 " + html.quote(resident.area))
        lines.append(_("🏠 No address saved yet: the coordinators can tell you where."))
    if resident.access_notes:
        lines.append(_("🔑 {notes}").format(notes=html.quote(resident.access_notes)))
    return "\n".join(lines)


def alert_text(step: DueStep, contact: CheckinContact | None) -> str:
    resident = step.resident
    at = local_clock(step.checkin.sent_at or step.checkin.scheduled_at, resident.timezone)
    if step.kind is StepKind.CHAIN_END:
        headline = _(
            "🚨 Nobody has reached {name} yet. Everyone on the list has been told about the "
            "check-in of {time}. Please act now."
        )
    else:
        headline = _(
            "⚠️ {name} has not answered the check-in of {time}. Please call, or knock on "
            "the door if you can."
        )
    parts = [
        "<b>" + headline.format(name=name_of(resident), time=at) + "</b>",
        resident_details(resident),
    ]
    if contact is not None and contact.kind is ContactKind.PHONE:
        parts.append(
            _("☎️ Please call their emergency contact: {name}, {phone}").format(
                name=html.quote(contact.name or "—"),
                phone=phone_html(contact.phone),
            )
        )
    if step.repeated_misses:
        parts.append(
            _("❗ This is check-in {count} in a row that {name} has not answered.").format(
                count=step.repeated_misses, name=name_of(resident)
            )
        )
    parts.append(_("Tap “🙋 I'm handling it” so the others know someone is on it."))
    return "\n\n".join(parts)


def flag_text(resident: User, count: int) -> str:
    return _("❗ {name} has missed {count} check-ins in a row.").format(
        name=name_of(resident), count=count
    )


def unreachable_text(resident: User) -> str:
    text = _(
        "📵 {name} has blocked the bot or left Telegram, so their daily check-ins cannot "
        "reach them. Please get in touch another way."
    ).format(name=html.quote(resident.display_name or "—"))
    return text + "\n\n" + resident_details(resident)


def agreed_text(name: str, times: str, when: str) -> str:
    text = _("✅ {name} agreed to daily check-ins at {times}. The first one: {when}.")
    return text.format(name=html.quote(name), times=times, when=when)


def declined_text(name: str) -> str:
    text = _("{name} said “No, thank you” to daily check-ins. Nothing was started.")
    return text.format(name=html.quote(name))


def stopped_text(name: str) -> str:
    return _("⏹ {name} has stopped their daily check-ins.").format(name=html.quote(name))


def outcome_text(outcome: Outcome, what: str) -> str:
    resident = outcome.resident
    actor = outcome.actor
    at = local_clock(
        outcome.checkin.answered_at or outcome.checkin.handled_at or outcome.checkin.scheduled_at,
        resident.timezone,
    )
    texts = {
        "fine": _("✅ {name} has answered the check-in ({time}): all well. Thank you!"),
        "reached": _("✅ {actor} reached {name} ({time}): all well. Thank you!"),
        "proxy": _("✅ {actor} checked in on behalf of {name} ({time}): all well. Thank you!"),
        "taken": _("🙋 {actor} is handling {name}'s missed check-in."),
        "not_reached": _("📵 {actor} could not reach {name}."),
        "help": _("🆘 {name} answered the check-in: “I need help”. Please act now."),
    }
    return texts[what].format(name=name_of(resident), actor=name_of(actor), time=at)
