"""Words for the domain, in the current language: categories, statuses, times, and the
request cards each audience sees. Only the card for a request's holder and the coordinators'
card show the exact address and phone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.services.communities import CommunitySettings
from bot.services.requests import DESCRIPTION_PREVIEW, reference
from bot.views.words import in_reader_script, join_items, phone_html
from storage.models import DayPart, HelpRequest, RequestCategory, RequestStatus, RequestTiming, User


def category_label(category: RequestCategory) -> str:
    labels = {
        RequestCategory.SHOPPING: _("🛒 Shopping and errands"),
        RequestCategory.MEDICAL_ESCORT: _("🏥 Medical escort"),
        RequestCategory.HOME_REPAIR: _("🔧 Home repair"),
        RequestCategory.MEALS: _("🍲 Meals"),
        RequestCategory.COMPANIONSHIP: _("☕ Companionship"),
        RequestCategory.EMOTIONAL_SUPPORT: _("💬 Someone to talk to"),
        RequestCategory.PAPERWORK: _("📄 Paperwork and benefits"),
        RequestCategory.OTHER: _("✳️ Something else"),
    }
    return labels[category]


def status_label(status: RequestStatus) -> str:
    """Plain words a resident understands, not workflow jargon."""
    labels = {
        RequestStatus.PENDING: _("⏳ Being checked by a coordinator"),
        RequestStatus.OPEN: _("🔎 Looking for a volunteer"),
        RequestStatus.CLAIMED: _("🤝 A volunteer is coming"),
        RequestStatus.IN_PROGRESS: _("🚶 The volunteer is on the way"),
        RequestStatus.DONE: _("✅ Done"),
        RequestStatus.CANCELLED: _("✖️ Cancelled"),
        RequestStatus.REJECTED: _("✖️ Not taken on"),
        RequestStatus.DUPLICATE: _("🔗 Joined with another request"),
        RequestStatus.EXPIRED: _("⌛ Expired"),
    }
    return labels[status]


def day_part_label(part: DayPart) -> str:
    labels = {
        DayPart.ANY: _("any time of day"),
        DayPart.MORNING: _("morning"),
        DayPart.AFTERNOON: _("afternoon"),
        DayPart.EVENING: _("evening"),
    }
    return labels[part]


def month_names() -> list[str]:
    return [_("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"),
            _("Jul"), _("Aug"), _("Sep"), _("Oct"), _("Nov"), _("Dec")]  # fmt: skip


def date_label(day: datetime | object) -> str:
    """A day written the way each language writes it: "3 Dec" (never 12/3, which a reader of
    British English takes for the 12th of March), "12月3日"."""
    month_name = month_names()[day.month - 1]  # type: ignore[attr-defined]
    return _("{day} {month_name}").format(day=day.day, month_name=month_name)  # type: ignore[attr-defined]


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def day_with_weekday(day: date) -> str:
    """ "Mon 9 Mar", the way each language writes it."""
    return _("{weekday} {date}").format(
        weekday=weekday_names()[day.weekday()], date=date_label(day)
    )


def when_label(request: HelpRequest) -> str:
    """The day written out ("Wed 2 Dec, morning", "12月2日（周三）上午"), never "today" or
    "tomorrow": a card is read on other days than the one it was written."""
    if request.timing is RequestTiming.ASAP:
        return _("as soon as possible")
    part = day_part_label(request.day_part)
    if request.slot_date is None:  # not expected: every timed request has its day
        if request.timing is RequestTiming.TODAY:
            return _("today, {part}").format(part=part)
        if request.timing is RequestTiming.TOMORROW:
            return _("tomorrow, {part}").format(part=part)
        return part
    return _("{date}, {part}").format(date=day_with_weekday(request.slot_date), part=part)


def local_time(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return _("{date} {hour:02d}:{minute:02d}").format(
        date=date_label(local), hour=local.hour, minute=local.minute
    )


def request_title(request: HelpRequest) -> str:
    urgent = _("🚨 URGENT · ") if request.urgent else ""
    return _("{urgent}Request no. {ref}: {category}").format(
        urgent=urgent, ref=reference(request), category=category_label(request.category)
    )


def preview(text: str, limit: int = DESCRIPTION_PREVIEW) -> str:
    """The beginning of a long text, saying that all of it is kept (not quoted): a card with
    all of a 4,000-character message would pass Telegram's limit of 4,096."""
    if len(text) <= limit:
        return text
    return text[:limit] + "… " + _("({count} characters in all, all kept)").format(count=len(text))


def full_text_parts(request: HelpRequest, text: str | None = None, size: int = 3500) -> list[str]:
    """A long text of a request (its description, else `text`: an answer, a comment) in full,
    for the coordinators, in as many messages as it takes (empty when a card shows all of it)."""
    text = (request.description if text is None else text) or ""
    if len(text) <= DESCRIPTION_PREVIEW:
        return []
    pieces = [text[start : start + size] for start in range(0, len(text), size)]
    head = _("📝 Request no. {ref}, all that was written ({part}/{parts}):")
    return [
        head.format(ref=reference(request), part=index, parts=len(pieces))
        + "\n"
        + html.quote(piece)
        for index, piece in enumerate(pieces, start=1)
    ]


def _description(request: HelpRequest) -> str:
    parts = []
    if request.description:
        parts.append(html.quote(in_reader_script(preview(request.description))))
    if request.voice_file_id:
        parts.append(_("🎤 (voice message)"))
    if request.photo_file_id:
        parts.append(_("🖼 (photo)"))
    return "\n".join(parts) or "—"


def _what_was_left(request: HelpRequest) -> str:
    """What the resident left, named and not shown: anything typed or said may hold an address
    or a phone number, so only the volunteer who takes the task reads or hears it."""
    left = []
    if request.description:
        left.append(_("✍️ what they wrote"))
    if request.voice_file_id:
        left.append(_("🎤 a voice message"))
    if request.photo_file_id:
        left.append(_("🖼 a photo"))
    if not left:
        return ""
    return _("{what}: shown to the volunteer who takes the task").format(what=join_items(left))


def _card(request: HelpRequest, description: str) -> str:
    return _("<b>{title}</b>\n{description}\n\n📍 Area: {area}\n🕒 When: {when}").format(
        title=html.quote(request_title(request)),
        description=description or "—",
        area=html.quote(request.area or "—"),
        when=when_label(request),
    )


def public_card(request: HelpRequest) -> str:
    """What any approved volunteer may see before a claim: the kind, the coarse place the
    coordinators defined, the time; no name, no address, no phone, nothing she typed or said."""
    return _card(request, _what_was_left(request))


def private_card(request: HelpRequest, resident: User) -> str:
    """For the volunteer who holds the task and for coordinators: what she said, who, where,
    how to reach."""
    return _(
        "{public}\n\n👵 Resident: {name}\n🏠 Address: {address}\n"
        "📞 Phone: {phone}\n🔑 Notes: {notes}"
    ).format(
        public=_card(request, _description(request)),
        name=html.quote(resident.display_name or "—"),
        address=html.quote(request.address or resident.address or "—"),
        phone=phone_html(resident.phone),
        notes=html.quote(request.access_notes or resident.access_notes or "—"),
    )


def resident_card(request: HelpRequest) -> str:
    """A resident's own request, with its status in plain words."""
    return _("<b>{title}</b>\n{description}\n🕒 {when}\n{status}").format(
        title=html.quote(request_title(request)),
        description=_description(request),
        when=when_label(request),
        status=status_label(request.status),
    )


def first_name(user: User | None) -> str:
    """What a resident is told about a volunteer: the first word of their name only."""
    if user is None or not user.display_name:
        return _("a volunteer")
    return user.display_name.split()[0]


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)
    if hours:
        return _("{hours} h").format(hours=hours)
    return _("{minutes} min").format(minutes=rest)


def emergency_text(community: CommunitySettings) -> str:
    """What to do right now, with the numbers of the person's community (`ctx.community()`)
    and translated service names."""
    services = {
        "ambulance": _("ambulance"),
        "fire": _("fire brigade"),
        "police": _("police"),
        "helpline": _("helpline"),
    }
    numbers = "\n".join(
        _("📞 <b>{number}</b> — {service}").format(number=number, service=services[service])
        for number, service in community.emergency_numbers
    )
    return _(
        "🚨 <b>If someone is in danger or badly hurt, call now:</b>\n{numbers}\n\n"
        "Stay on the phone with them. If you can, open the door or ask a neighbour to wait "
        "with you."
    ).format(numbers=numbers)
