"""Words and buttons of check-ins, and telling people what the check-in service decided: the
resident's check-in and reminder, the chain's alerts, and "all clear" to everyone alerted.
Rendered in each recipient's language by the Notifier; all of it goes through the outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services.checkins import DueStep, Outcome, StepKind
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
        lines.append(_("📞 {phone}").format(phone=html.quote(resident.phone)))
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
                name=html.quote(contact.name or "—"), phone=html.quote(contact.phone or "—")
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


async def tell_step(notifier: Notifier, step: DueStep) -> None:
    """Queue what one claimed step says, to whom it says it."""
    resident = step.resident
    if step.kind in (StepKind.SEND, StepKind.REMIND):
        reminder = step.kind is StepKind.REMIND

        def render_checkin() -> Rendered:
            return checkin_text(resident, reminder), answer_keyboard(step.checkin)

        await notifier.tell_user(
            resident,
            render_checkin,
            kind="checkin.reminder" if reminder else "checkin",
            priority=Priority.ALERT,
            flush=False,  # a tick may queue thousands: they are flushed together
        )
        return
    if step.kind is StepKind.SKIP:
        return
    contact = step.contact

    def render_alert() -> Rendered:
        return alert_text(step, contact), alert_keyboard(step.checkin)

    to_coordinators = (ContactKind.COORDINATORS, ContactKind.PHONE)
    if step.kind is StepKind.CHAIN_END or contact is None or contact.kind in to_coordinators:
        await notifier.tell_coordinators(
            render_alert, kind="checkin.alert", priority=Priority.URGENT
        )
    elif step.contact_user is not None:
        await notifier.tell_user(
            step.contact_user, render_alert, kind="checkin.alert", priority=Priority.URGENT
        )
    if step.repeated_misses and (contact is None or contact.kind is not ContactKind.COORDINATORS):

        def render_flag() -> Rendered:
            text = _("❗ {name} has missed {count} check-ins in a row.").format(
                name=name_of(resident), count=step.repeated_misses
            )
            return text, None

        await notifier.tell_coordinators(render_flag, kind="checkin.flag", priority=Priority.ALERT)


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


async def tell_outcome(
    notifier: Notifier, outcome: Outcome, what: str, *, with_details: bool = False
) -> None:
    """Everyone alerted about this check-in (and the coordinators, when they were) hears it."""

    def render() -> Rendered:
        text = outcome_text(outcome, what)
        if with_details:
            text += "\n\n" + resident_details(outcome.resident)
            return text, alert_keyboard(outcome.checkin)
        return text, None

    priority = Priority.URGENT if what in ("help", "not_reached") else Priority.ALERT
    for person in outcome.alerted:
        await notifier.tell_user(person, render, kind=f"checkin.{what}", priority=priority)
    if outcome.coordinators_alerted or what in ("help", "not_reached"):
        await notifier.tell_coordinators(render, kind=f"checkin.{what}", priority=priority)
