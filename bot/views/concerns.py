"""Words and buttons of concerns: the neighbour who raises one (what they noticed, where, whether
to hear back), the coordinators' card (link, open, merge, follow up, close) and the follow-ups'
reminders. The reporter's words go only on the coordinators' card; the reporter is told at most
that it was looked into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ConcernAction, ConcernStep, FollowUpAction, PlaceChoice
from bot.services.errors import DescriptionEmpty, InvalidInput, TextTooLong
from bot.views.households import household_label, household_picker
from bot.views.keyboards import one_per_row
from bot.views.texts import date_label, day_with_weekday, local_time, preview
from storage.models import Concern, ConcernStatus, FollowUp, FollowUpKind, Household, Place, User

NOT_SURE = 0
CARD_WORDS = 1500  # of what they noticed, on the card (a long text is said to be longer)


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


# the neighbour who raises it


def what_question() -> str:
    return _(
        "🫶 <b>You are worried about a neighbour</b>\n\n"
        "What did you notice? Write it in your own words, or send a voice note or a photo.\n"
        "🔒 Only the community's coordinators will read it."
    )


def what_placeholder() -> str:
    return _("What did you notice?")


def place_question() -> str:
    return _("Where does your neighbour live? Tap the building or area.")


def place_keyboard(places: list[Place]) -> InlineKeyboardMarkup:
    buttons = [
        _button("📍 " + place.name, PlaceChoice(place_id=place.id).pack()) for place in places
    ]
    buttons.append(_button(_("🤷 I am not sure"), PlaceChoice(place_id=NOT_SURE).pack()))
    return one_per_row(buttons)


def place_label(place: Place | None) -> str:
    return "📍 " + place.name if place is not None else _("🤷 I am not sure")


def building_question() -> str:
    return _("Which building, door or floor, if you know it? Write it, or tap “⏭ Skip”.")


def name_question() -> str:
    return _("Do you know your neighbour's name? Write it, or tap “⏭ Skip”.")


def skip_keyboard() -> InlineKeyboardMarkup:
    return one_per_row([_button(_("⏭ Skip"), ConcernStep(field="skip").pack())])


def skipped_label() -> str:
    return _("⏭ Skipped")


def hear_question() -> str:
    return _(
        "Would you like us to let you know when it has been looked into? "
        "(We will not share any details, for your neighbour's privacy.)"
    )


def hear_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            _button(_("🔔 Yes, let me know"), ConcernStep(field="hear", value="yes").pack()),
            _button(_("🔕 No need"), ConcernStep(field="hear", value="no").pack()),
        ]
    )


def hear_label(wants: bool) -> str:
    return _("🔔 Yes, let me know") if wants else _("🔕 No need")


def summary_text(data: dict[str, object], place: str | None) -> str:
    """What will be sent, for them to check."""
    what = str(data.get("description") or "")
    lines = [_("<b>Please check what you will send to the coordinators:</b>"), ""]
    if what:
        lines.append(_("What you noticed: {what}").format(what=html.quote(preview(what, 600))))
    if data.get("voice"):
        lines.append(_("🎙 Your voice note"))
    if data.get("photo"):
        lines.append(_("🖼 Your photo"))
    where = [part for part in (place, data.get("building")) if part]
    lines.append(
        _("Where: {where}").format(
            where=html.quote(" · ".join(str(part) for part in where)) if where else "—"
        )
    )
    if data.get("name"):
        lines.append(_("Name: {name}").format(name=html.quote(str(data["name"]))))
    lines.append(hear_label(bool(data.get("hear"))))
    return "\n".join(lines)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            _button(_("✅ Send to the coordinators"), ConcernStep(field="send").pack()),
            _button(_("✖️ Cancel"), ConcernStep(field="cancel").pack()),
        ]
    )


def sent_label() -> str:
    return _("✅ Sent")


def cancelled_label() -> str:
    return _("✖️ Cancelled")


def nothing_sent_text() -> str:
    return _("OK, nothing was sent.")


def raised_text(concern: Concern) -> str:
    """What usually happens next: said at once, so nobody wonders."""
    text = _(
        "🙏 Thank you for looking out for your neighbour (concern no. {ref}).\n\n"
        "<b>What usually happens next:</b> a coordinator of the community reads it, usually "
        "within a day, finds out who it is and calls or visits. If it cannot wait, call the "
        "emergency numbers at once."
    ).format(ref=concern.id)
    if concern.wants_outcome:
        text += "\n\n" + _(
            "We will let you know when it has been looked into. For your neighbour's "
            "privacy, we will not share what was found."
        )
    return text


def looked_into_text(concern: Concern) -> str:
    return _(
        "🫶 The concern you raised on {date} (no. {ref}) has been looked into by the "
        "community's coordinators. Thank you for caring about your neighbour."
    ).format(date=date_label(concern.created_at), ref=concern.id)


def urgent_raised_text(concern: Concern) -> str:
    return _(
        "I have alerted the coordinators (<b>concern no. {ref}</b>). They will look into it "
        "as soon as they can."
    ).format(ref=concern.id)


def what_not_usable_text(error: InvalidInput | None = None) -> str:
    if isinstance(error, TextTooLong):
        return _("That is too long. Please keep it to {limit} characters.").format(
            limit=error.limit
        )
    if isinstance(error, DescriptionEmpty) or error is None:
        return _("Please write what you noticed, or send a voice note or a photo ✍️")
    return _("Sorry, I could not use that. Please try again.")


def short_not_usable_text(error: InvalidInput) -> str:
    if isinstance(error, TextTooLong):
        return _("That is too long. Please keep it to {limit} characters.").format(
            limit=error.limit
        )
    return _("Please write it in words, or tap “⏭ Skip”.")


# the coordinators' card


def kind_label(kind: FollowUpKind) -> str:
    return _("📞 Call") if kind is FollowUpKind.CALL else _("🏠 Visit")


@dataclass
class CardFacts:
    """What a concern's card shows besides the concern (read by bot.policy.notify.concerns)."""

    reporter: User | None
    place: str | None
    household: Household | None
    follow_ups: list[tuple[FollowUp, User | None]] = field(default_factory=list)
    also_open: list[int] = field(default_factory=list)  # other open concerns of the household


def card_text(concern: Concern, facts: CardFacts, timezone: str) -> str:
    """The concern for its community's coordinators (their group is theirs alone)."""
    reporter, place, household = facts.reporter, facts.place, facts.household
    if concern.urgent:
        title = _(
            "🚨 <b>Possible emergency</b>: a neighbour is worried about someone (concern no. {ref})"
        ).format(ref=concern.id)
    else:
        title = _("🫶 <b>A neighbour is worried about someone</b> (concern no. {ref})").format(
            ref=concern.id
        )
    lines = [title, ""]
    if concern.description:
        what = html.quote(preview(concern.description, CARD_WORDS))
        lines.append(_("What they noticed: {what}").format(what=what))
    if concern.voice_file_id:
        lines.append(_("🎙 A voice note comes with it (below)."))
    if concern.photo_file_id:
        lines.append(_("🖼 A photo comes with it (below)."))
    where = [part for part in (place, concern.building) if part]
    lines.append(_("Where: {where}").format(where=html.quote(" · ".join(where)) if where else "—"))
    if concern.person_name:
        lines.append(_("Name: {name}").format(name=html.quote(concern.person_name)))
    who = html.quote(reporter.display_name or "—") if reporter is not None else "—"
    lines.append(
        _("Raised by {who}, {when}").format(who=who, when=local_time(concern.created_at, timezone))
    )
    if concern.wants_outcome:
        lines.append(_("🔔 They would like to hear when it has been looked into."))
    lines.append("")
    if household is not None:
        lines.append(
            _("🏠 Household: {household}").format(household=html.quote(household_label(household)))
        )
    else:
        lines.append(_("🏠 Not linked to a household yet."))
    for follow_up, owner in facts.follow_ups:
        lines.append(follow_up_line(follow_up, owner, timezone))
    if facts.also_open and concern.status is ConcernStatus.OPEN:
        refs = ", ".join(str(ref) for ref in facts.also_open)
        lines.append(
            _("🔗 Also open about this household: no. {refs}. The same? “🔗 Same as another "
              "concern”.").format(refs=refs)
        )  # fmt: skip
    if concern.status is ConcernStatus.MERGED:
        lines.append(
            _("🔗 The same as concern no. {ref}: followed there.").format(
                ref=concern.merged_into_id
            )
        )
    elif concern.status is ConcernStatus.CLOSED:
        lines.append(_("✅ Looked into and closed."))
    return "\n".join(lines)


def due_day(follow_up: FollowUp, timezone: str) -> str:
    """ "Tue 3 Mar": the due day on the community's calendar."""
    return day_with_weekday(follow_up.due_at.astimezone(ZoneInfo(timezone)).date())


def follow_up_line(follow_up: FollowUp, owner: User | None, timezone: str) -> str:
    who = html.quote(owner.display_name or "—") if owner is not None else "—"
    due = due_day(follow_up, timezone)
    if follow_up.done_at is not None:
        return _("✅ {kind} done ({who})").format(kind=kind_label(follow_up.kind), who=who)
    return _("🗓 {kind} by {due}: {who}").format(kind=kind_label(follow_up.kind), due=due, who=who)


def card_keyboard(concern: Concern) -> InlineKeyboardMarkup | None:
    if concern.status is not ConcernStatus.OPEN:
        return None

    def act(text: str, action: str) -> InlineKeyboardButton:
        data = ConcernAction(action=action, concern_id=concern.id, version=concern.version)
        return _button(text, data.pack())

    if concern.household_id is None:
        buttons = [
            act(_("🏠 Link to a household"), "link"),
            act(_("➕ Open a new household"), "new"),
        ]
    else:
        buttons = [act(_("🗓 Assign a follow-up"), "fu"), act(_("📁 Case file"), "file")]
    buttons += [
        act(_("🔗 Same as another concern"), "merge"),
        act(_("✅ Looked into: close"), "close"),
    ]
    return one_per_row(buttons)


def _back(concern: Concern) -> InlineKeyboardButton:
    data = ConcernAction(action="back", concern_id=concern.id, version=concern.version)
    return _button(_("⬅️ Back"), data.pack())


def households_keyboard(
    concern: Concern, households: list[Household], page: int
) -> InlineKeyboardMarkup:
    def data(action: str, value: int) -> str:
        return ConcernAction(
            action=action, concern_id=concern.id, version=concern.version, value=str(value)
        ).pack()

    picker = household_picker(
        households, page, lambda home: data("hh", home.id), lambda other: data("hpage", other)
    )
    return InlineKeyboardMarkup(inline_keyboard=[*picker.inline_keyboard, [_back(concern)]])


def no_households_text() -> str:
    return _("There is no household in this community yet: tap “➕ Open a new household”.")


def merge_keyboard(concern: Concern, others: list[Concern], timezone: str) -> InlineKeyboardMarkup:
    rows = []
    for other in others:
        about = other.person_name or other.building or preview(other.description, 24) or "—"
        text = _("no. {ref}, {when}: {about}").format(
            ref=other.id, when=local_time(other.created_at, timezone), about=about
        )
        data = ConcernAction(
            action="into", concern_id=concern.id, version=concern.version, value=str(other.id)
        )
        rows.append([_button("🔗 " + text[:60], data.pack())])
    rows.append([_back(concern)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def no_other_concerns_text() -> str:
    return _("There is no other open concern to merge it with.")


def kind_keyboard(concern: Concern) -> InlineKeyboardMarkup:
    def kind(value: FollowUpKind) -> InlineKeyboardButton:
        data = ConcernAction(
            action="fuk", concern_id=concern.id, version=concern.version, value=value.value
        )
        return _button(kind_label(value), data.pack())

    return one_per_row([kind(FollowUpKind.CALL), kind(FollowUpKind.VISIT), _back(concern)])


def owner_keyboard(
    concern: Concern, kind: str, owners: list[User], me: User
) -> InlineKeyboardMarkup:
    buttons = []
    for owner in owners:
        name = _("🙋 Me") if owner.id == me.id else "👤 " + (owner.display_name or "—")
        data = ConcernAction(
            action="fuo", concern_id=concern.id, version=concern.version, value=f"{kind}.{owner.id}"
        )
        buttons.append(_button(name, data.pack()))
    return one_per_row([*buttons, _back(concern)])


def due_keyboard(concern: Concern, chosen: str, days: tuple[int, ...]) -> InlineKeyboardMarkup:
    labels = {0: _("Today"), 1: _("Tomorrow"), 3: _("In 3 days"), 7: _("In a week")}
    buttons = [
        _button("🗓 " + labels[day], ConcernAction(
            action="fud", concern_id=concern.id, version=concern.version,
            value=f"{chosen}.{day}").pack())
        for day in days
    ]  # fmt: skip
    return one_per_row([*buttons, _back(concern)])


def pick_kind_text() -> str:
    return _("A call or a visit?")


def pick_owner_text() -> str:
    return _("Who will do it?")


def pick_due_text() -> str:
    return _("By when?")


def pick_household_text() -> str:
    return _("Which household is it? Tap it.")


def pick_merge_text() -> str:
    return _("Which concern is about the same household? Tap it.")


def changed_text() -> str:
    return _("This concern has changed meanwhile: here it is as it is now.")


def concerns_for_coordinators_text() -> str:
    return _("Only the coordinators of this community can act on a concern.")


def file_sent_text() -> str:
    return _("📁 I sent you the case file in our private chat.")


def voice_caption(concern: Concern) -> str:
    return _("🎙 With concern no. {ref}").format(ref=concern.id)


def open_concerns_text(shown: int, total: int) -> str:
    if not total:
        return _("🫶 No concern is waiting: every one has been looked into.")
    text = _("🫶 <b>Concerns being looked into</b>: {total}. Tap one to see its card.").format(
        total=total
    )
    if shown < total:
        text += "\n" + _("(the newest {shown})").format(shown=shown)
    return text


def open_concerns_keyboard(found: list[Concern], timezone: str) -> InlineKeyboardMarkup:
    buttons = []
    for concern in found:
        about = concern.person_name or concern.building or preview(concern.description, 24) or "—"
        text = _("no. {ref}, {when}: {about}").format(
            ref=concern.id, when=local_time(concern.created_at, timezone), about=about
        )
        data = ConcernAction(action="card", concern_id=concern.id, version=concern.version)
        buttons.append(_button(("🚨 " if concern.urgent else "🫶 ") + text[:60], data.pack()))
    return one_per_row(buttons)


# follow-ups


def follow_up_assigned_text(
    follow_up: FollowUp, household: Household, by: User, timezone: str
) -> str:
    return _("🗓 {by} asked you to follow up household <b>{household}</b>: {kind} by {due}.").format(
        by=html.quote(by.display_name or "—"),
        household=html.quote(household_label(household)),
        kind=kind_label(follow_up.kind),
        due=due_day(follow_up, timezone),
    )


def follow_up_reminder_text(follow_up: FollowUp, household: Household) -> str:
    return _(
        "⏰ Reminder: today, {kind} for household <b>{household}</b>. Tap “✅ Done” once it is "
        "done."
    ).format(kind=kind_label(follow_up.kind), household=html.quote(household_label(household)))


def follow_up_keyboard(follow_up: FollowUp) -> InlineKeyboardMarkup:
    data = FollowUpAction(action="done", follow_up_id=follow_up.id)
    return one_per_row([_button(_("✅ Done"), data.pack())])


def follow_up_overdue_text(
    follow_up: FollowUp, household: Household, owner: User | None, timezone: str
) -> str:
    return _(
        "⏰ <b>Overdue</b>: {kind} for household {household} was due on {due} ({who}) and is "
        "not done yet."
    ).format(
        kind=kind_label(follow_up.kind),
        household=html.quote(household_label(household)),
        due=due_day(follow_up, timezone),
        who=html.quote(owner.display_name or "—") if owner is not None else "—",
    )


def follow_up_done_text() -> str:
    return _("✅ Thank you: marked done.")


def follow_up_already_done_text() -> str:
    return _("This follow-up was already marked done.")


def follow_up_done_note(when: datetime, timezone: str) -> str:
    return _("✅ Done, {when}").format(when=local_time(when, timezone))
