"""Words and buttons of broadcasts and events: the message recipients get (also the preview),
progress reports for the coordinator, reminders. Rendered in the language set by the caller."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import BroadcastStep, EventAnswer
from bot.i18n import LANGUAGE_NAMES, recipient_locale
from bot.services.broadcast_report import NotReached, Why
from bot.services.broadcasts import (
    Outgoing,
    Progress,
    ReminderRenderer,
    Renderer,
)
from bot.services.media import Media, outgoing_payload
from bot.views.words import in_reader_script
from storage.models import Audience, Broadcast, RsvpAnswer, User


def local_time(broadcast: Broadcast, timezone: str) -> str:
    assert broadcast.event_starts_at is not None
    return broadcast.event_starts_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def event_header(broadcast: Broadcast, timezone: str) -> str:
    lines = [
        "📅 <b>" + html.quote(in_reader_script(broadcast.event_title)) + "</b>",
        _("🕒 When: {time}").format(time=local_time(broadcast, timezone)),
        _("📍 Where: {place}").format(place=html.quote(in_reader_script(broadcast.event_place))),
    ]
    if broadcast.event_capacity:
        lines.append(_("👥 Places: {capacity}").format(capacity=broadcast.event_capacity))
    return "\n".join(lines)


def event_keyboard(broadcast: Broadcast) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        data = EventAnswer(action=action, broadcast_id=broadcast.id).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✅ I'll come"), "yes"), button(_("✖️ Can't come"), "no")],
            [button(_("📅 Add to calendar"), "ics")],
        ]
    )


def message_for(broadcast: Broadcast, text: str, timezone: str) -> Outgoing:
    """The message as a recipient gets it: the text (or caption) under the event's details,
    with the event's buttons. `text` is HTML as the coordinator wrote it."""
    body = text = in_reader_script(text)  # a Simplified notice reaches Traditional readers so
    if broadcast.is_event:
        body = event_header(broadcast, timezone) + ("\n\n" + text if text else "")
    media = None
    if broadcast.media_kind in ("photo", "document") and broadcast.media_file_id:
        media = Media("photo" if broadcast.media_kind == "photo" else "document",
                      broadcast.media_file_id)  # fmt: skip
    markup = (
        event_keyboard(broadcast).model_dump(mode="json", exclude_none=True)
        if broadcast.is_event
        else None
    )
    method, payload = outgoing_payload(body, media, markup)
    return Outgoing(method, payload)


def renderer(i18n: I18n) -> Renderer:
    """Renders each recipient's message in their language (the service picked the version)."""

    def render(broadcast: Broadcast, user: User, locale: str, text: str) -> Outgoing:
        with i18n.context(), i18n.use_locale(locale):
            return message_for(broadcast, text, user.timezone)

    return render


def reminder_renderer(i18n: I18n, default_locale: str) -> ReminderRenderer:
    def render(broadcast: Broadcast, user: User, which: str) -> str:
        with i18n.context(), i18n.use_locale(recipient_locale(user, default_locale)):
            values = {
                "title": html.quote(broadcast.event_title or ""),
                "time": local_time(broadcast, user.timezone),
                "place": html.quote(broadcast.event_place or ""),
            }
            if which == "day":
                return _("⏰ Reminder: <b>{title}</b> is tomorrow, {time}, at {place}.").format(
                    **values
                )
            return _("⏰ Reminder: <b>{title}</b> starts in two hours, {time}, at {place}.").format(
                **values
            )

    return render


def audience_label(audience: Audience, value: str | None) -> str:
    match audience:
        case Audience.EVERYONE:
            return _("everyone")
        case Audience.RESIDENTS:
            return _("residents")
        case Audience.VOLUNTEERS:
            return _("volunteers")
        case Audience.AREA:
            return _("people in {area}").format(area=html.quote(value or ""))
        case Audience.LANGUAGE:
            return _("people who read {language}").format(
                language=LANGUAGE_NAMES.get(value or "", value or "")
            )
        case Audience.CHECKINS:
            return _("people enrolled in check-ins")
    return ""


def figures(progress: Progress) -> str:
    lines = [
        _("✅ Sent: {count}").format(count=progress.sent),
        _("🚫 Blocked the bot: {count}").format(count=progress.blocked),
        _("⚠️ Failed: {count}").format(count=progress.failed),
        _("⏭ Not sent (unreachable or stopped): {count}").format(count=progress.skipped),
    ]
    if progress.interrupted:
        lines.append(_("❓ Unknown (the bot stopped mid-send): {count}").format(
            count=progress.interrupted
        ))  # fmt: skip
    if progress.pending:
        lines.append(_("⏳ Waiting: {count}").format(count=progress.pending))
    return "\n".join(lines)


def progress_text(broadcast: Broadcast, progress: Progress) -> str:
    head = _("📤 <b>Sending broadcast no. {id}</b> to {total} people").format(
        id=broadcast.id, total=progress.total
    )
    return head + "\n\n" + figures(progress)


def final_text(
    broadcast: Broadcast,
    progress: Progress,
    *,
    stopped: bool,
    unreached: Sequence[NotReached] = (),
) -> str:
    if stopped:
        head = _("⏹ <b>Broadcast no. {id} was stopped.</b> Final report:")
    else:
        head = _("🏁 <b>Broadcast no. {id} is finished.</b> Final report:")
    text = head.format(id=broadcast.id) + "\n\n" + figures(progress)
    text += "\n" + _("Total: {total}").format(total=progress.total)
    if broadcast.is_event:
        text += "\n" + _("👥 Coming so far: {count}").format(count=broadcast.event_going)
    if unreached:
        text += "\n\n" + not_reached_text(unreached)
    return text


NAMES_SHOWN = 20  # per reason; the rest are counted


def _reason_label(why: Why) -> str:
    labels = {
        Why.BLOCKED: _("🚫 Blocked the bot"),
        Why.NEVER_STARTED: _("👋 Never started the bot (they must press Start first)"),
        Why.DELETED: _("🗑 Telegram account deleted"),
        Why.OTHER: _("⚠️ Telegram refused it for another reason"),
    }
    return labels[why]


def not_reached_text(unreached: Sequence[NotReached]) -> str:
    """Who could not be reached, by reason, so a coordinator can call or visit them."""
    lines = [_("<b>Could not be reached</b> (please call or visit them):")]
    for why in Why:
        names = [
            html.quote(p.name or _("someone without a name")) for p in unreached if p.why is why
        ]
        if not names:
            continue
        shown = _(", ").join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            shown += " " + _("and {count} more").format(count=len(names) - NAMES_SHOWN)
        lines.append(_("{reason}: {names}").format(reason=_reason_label(why), names=shown))
    return "\n".join(lines)


def closing_text(broadcast: Broadcast, *, stopped: bool) -> str:
    """The progress message once it is over: the report follows it, once."""
    if stopped:
        return _("⏹ Broadcast no. {id} was stopped. The final report is below.").format(
            id=broadcast.id
        )
    return _("🏁 Broadcast no. {id} is finished. The final report is below.").format(
        id=broadcast.id
    )


def progress_keyboard(broadcast: Broadcast, *, sending: bool) -> InlineKeyboardMarkup | None:
    rows = []
    if sending:
        data = BroadcastStep(action="stop", broadcast_id=broadcast.id).pack()
        rows.append([InlineKeyboardButton(text=_("⏹ Stop sending"), callback_data=data)])
    if broadcast.is_event:
        data = EventAnswer(action="who", broadcast_id=broadcast.id).pack()
        rows.append([InlineKeyboardButton(text=_("👥 Who is coming"), callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


# ---- answers to an event's buttons ------------------------------------------------------------


def event_full_text() -> str:
    return _("😔 Sorry, this event is full. Thank you for your interest!")


def event_over_text() -> str:
    return _("This event has already started.")


def answered_already_text() -> str:
    return _("You have already answered this. Thank you!")


def rsvp_answer(answer: RsvpAnswer) -> str:
    if answer == RsvpAnswer.YES:
        return _("✅ Thank you! We have saved your place. I will remind you before it starts.")
    return _("Thank you for letting us know.")


def calendar_caption(event: Broadcast) -> str:
    return _("📅 Open this file to add “{title}” to your calendar.").format(
        title=html.quote(event.event_title or "")
    )


def attendees_text(event: Broadcast, coming: list[User], counts: dict[RsvpAnswer, int]) -> str:
    """For coordinators: how many come and who."""
    head = _("👥 <b>{title}</b>: {yes} coming, {no} cannot come.").format(
        title=html.quote(event.event_title or ""),
        yes=counts.get(RsvpAnswer.YES, 0),
        no=counts.get(RsvpAnswer.NO, 0),
    )
    if event.event_capacity:
        head += "\n" + _("Places: {capacity}").format(capacity=event.event_capacity)
    names = "\n".join(
        f"{number}. {html.quote(person.display_name or '—')}"
        for number, person in enumerate(coming, start=1)
    )
    return head + ("\n\n" + names if names else "")
