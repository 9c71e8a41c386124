"""Words and buttons of a household's case file, read in chat: the household and its people,
its needs assessment (set by buttons), the follow-ups it is owed, and its timeline in pages.
For its community's coordinators only (the handler checks; this only words it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CaseFileAction, FollowUpAction
from bot.services.case_file import LANGUAGES, CaseFile, Entry, page_of, pages
from bot.services.concerns import is_overdue
from bot.views import fund as fund_views
from bot.views import wishes as wish_views
from bot.views.concerns import follow_up_line, kind_label
from bot.views.households import household_label, household_picker
from bot.views.keyboards import one_per_row
from bot.views.texts import category_label, duration_label, local_time, preview, status_label
from bot.views.words import dialable, phone_html
from storage.models import (
    CheckinStatus,
    ConcernStatus,
    Hearing,
    Household,
    LowIncome,
    Mobility,
    NeedsAssessment,
    User,
    UserRole,
    WishStatus,
)


def _button(text: str, action: str, household_id: int, value: str = "") -> InlineKeyboardButton:
    data = CaseFileAction(action=action, household_id=household_id, value=value)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def for_coordinators_text() -> str:
    return _("Only the coordinators of a community can open its households' files.")


def no_households_text() -> str:
    return _(
        "There is no household yet. A household is opened from a neighbour's concern "
        "(“➕ Open a new household”)."
    )


def households_text() -> str:
    return _("📁 <b>Households</b>: tap one to open its file.")


def households_keyboard(households: list[Household], page: int) -> InlineKeyboardMarkup:
    return household_picker(
        households,
        page,
        lambda home: CaseFileAction(action="open", household_id=home.id).pack(),
        lambda other: CaseFileAction(action="list", household_id=0, value=str(other)).pack(),
    )


# the needs assessment


def _alone(needs: NeedsAssessment | None) -> str:
    if needs is None or needs.lives_alone is None:
        return "—"
    return _("yes") if needs.lives_alone else _("no")


def mobility_label(value: Mobility | None) -> str:
    labels = {
        Mobility.GOOD: _("gets about well"),
        Mobility.LIMITED: _("walks with difficulty"),
        Mobility.HOUSEBOUND: _("housebound"),
    }
    return labels[value] if value is not None else "—"


def hearing_label(value: Hearing | None) -> str:
    labels = {Hearing.GOOD: _("hears well"), Hearing.HARD: _("hard of hearing")}
    return labels[value] if value is not None else "—"


def income_label(value: LowIncome | None) -> str:
    labels = {
        LowIncome.NONE: _("none"),
        LowIncome.DIBAO: _("低保 (minimum living allowance)"),
        LowIncome.DIBIAN: _("低边 (just above the allowance)"),
        LowIncome.TEKUN: _("特困 (extreme hardship support)"),
    }
    return labels[value] if value is not None else "—"


def language_label(code: str) -> str:
    labels = {"zh": _("Mandarin"), "yue": _("Cantonese"), "en": _("English"),
              "dialect": _("local dialect")}  # fmt: skip
    return labels.get(code, code)


def needs_lines(needs: NeedsAssessment | None) -> list[str]:
    spoken = ", ".join(language_label(code) for code in (needs.languages if needs else []) or [])
    contact = "—"
    if needs is not None and needs.contact_name:
        contact = f"{html.quote(needs.contact_name)} {phone_html(needs.contact_phone)}"
    return [
        _("Lives alone: {value}").format(value=_alone(needs)),
        _("Getting about: {value}").format(value=mobility_label(needs.mobility if needs else None)),
        _("Hearing: {value}").format(value=hearing_label(needs.hearing if needs else None)),
        _("Low income: {value}").format(value=income_label(needs.low_income if needs else None)),
        _("Languages: {value}").format(value=spoken or "—"),
        _("Who to call: {value}").format(value=contact),
    ]


def needs_rows(needs: NeedsAssessment | None) -> list[tuple[str, str]]:
    """(need, answer) in plain words, for the spreadsheet."""
    spoken = ", ".join(language_label(code) for code in (needs.languages if needs else []) or [])
    contact = "—"
    if needs is not None and needs.contact_name:
        contact = f"{needs.contact_name} {dialable(needs.contact_phone) or ''}".strip()
    return [
        (_("Lives alone"), _alone(needs)),
        (_("Getting about"), mobility_label(needs.mobility if needs else None)),
        (_("Hearing"), hearing_label(needs.hearing if needs else None)),
        (_("Low income"), income_label(needs.low_income if needs else None)),
        (_("Languages"), spoken or "—"),
        (_("Who to call"), contact),
    ]


def needs_text(household: Household, needs: NeedsAssessment | None) -> str:
    title = _("🩺 <b>Needs of household {household}</b>").format(
        household=html.quote(household_label(household))
    )
    hint = _("Tap what is true; tap a language to switch it on or off.")
    return "\n".join([title, "", *needs_lines(needs), "", hint])


def needs_keyboard(household: Household, needs: NeedsAssessment | None) -> InlineKeyboardMarkup:
    h = household.id

    def mark(chosen: bool, text: str) -> str:
        return ("✅ " if chosen else "") + text

    alone = needs.lives_alone if needs else None
    rows = [
        [_button(mark(alone is True, _("Lives alone")), "set", h, "alone.yes"),
         _button(mark(alone is False, _("Not alone")), "set", h, "alone.no")],
        *[[_button(mark(bool(needs and needs.mobility is m), mobility_label(m)), "set", h,
                   f"mob.{m.value}")] for m in Mobility],
        [_button(mark(bool(needs and needs.hearing is v), hearing_label(v)), "set", h,
                 f"hear.{v.value}") for v in Hearing],
        *[[_button(mark(bool(needs and needs.low_income is v), income_label(v)), "set", h,
                   f"inc.{v.value}")] for v in LowIncome],
        [_button(mark(bool(needs and code in (needs.languages or [])), language_label(code)),
                 "set", h, f"lang.{code}") for code in LANGUAGES],
        [_button(_("☎️ Who to call"), "contact", h)],
        [_button(_("📁 Back to the file"), "page", h, "0")],
    ]  # fmt: skip
    return InlineKeyboardMarkup(inline_keyboard=rows)


def contact_question() -> str:
    return _(
        "Who should we call for this household? Write the name and the phone, for example: "
        "女儿 王芳 13900001111"
    )


def rename_question(household: Household) -> str:
    return _("How do you call household {code}? For example: 周伯伯家").format(code=household.code)


def rename_not_usable_text() -> str:
    return _("Please write a name in words (at most 128 characters).")


def member_question() -> str:
    return _(
        "Who else lives there without using linli? Write the name, and what helps to know, "
        "for example: 周伯伯，88岁"
    )


def member_not_usable_text() -> str:
    return _("Please write the name in words (at most 64 characters).")


def sheet_caption(household: Household) -> str:
    return _("📄 The file of household {household}, as a spreadsheet.").format(
        household=html.quote(household_label(household))
    )


def renamed_text() -> str:
    return _("✏️ Renamed.")


def member_saved_text() -> str:
    return _("👥 Added.")


def contact_not_usable_text() -> str:
    return _("Please write a name and then a phone number, for example: 女儿 王芳 13900001111")


def contact_saved_text() -> str:
    return _("☎️ Saved.")


# the file


def _person_line(person: User) -> str:
    role = {UserRole.RESIDENT: _("resident"), UserRole.VOLUNTEER: _("volunteer"),
            UserRole.COORDINATOR: _("coordinator")}.get(person.role, "")  # fmt: skip
    phone = f" {phone_html(person.phone)}" if person.phone else ""
    return f"• {html.quote(person.display_name or '—')} ({role}){phone}"


def _checkin_label(status: CheckinStatus) -> str:
    labels = {
        CheckinStatus.FINE: _("answered: fine"),
        CheckinStatus.HELP: _("answered: needs help"),
        CheckinStatus.PROXY: _("answered for them: fine"),
        CheckinStatus.REACHED: _("reached after no answer: fine"),
    }
    return labels.get(status, str(status))


def entry_line(entry: Entry, timezone: str) -> str:
    """ "9 Mar 17:00 · 🔔 Check-in answered: fine", as the file shows it (HTML)."""
    return f"{local_time(entry.at, timezone)} · {entry_text(entry, quote=html.quote)}"


def entry_text(entry: Entry, *, quote: Callable[[str], str] = str) -> str:
    """What happened, in words (`quote`: how what someone typed is put in)."""
    facts = entry.facts
    if entry.kind == "request":
        what = _("🙋 Asked for help: {category} ({status})").format(
            category=category_label(facts["category"]), status=status_label(facts["status"])
        )
    elif entry.kind == "rating":
        what = _("⭐ Rated the help: {stars}").format(stars="★" * int(facts["rating"]))
    elif entry.kind == "checkin":
        what = _("🔔 Check-in {answer}").format(answer=_checkin_label(facts["status"]))
    elif entry.kind == "escalated":
        what = _("🚨 Check-in not answered: the chain was alerted")
    elif entry.kind == "visit":
        wellbeing = facts.get("wellbeing")
        score = _(", wellbeing {score}/4").format(score=wellbeing) if wellbeing is not None else ""
        what = _("🏠 Visit logged{score}").format(score=score)
    elif entry.kind == "concern":
        words = preview(facts.get("words") or "", 80)
        status = {ConcernStatus.OPEN: _("open"), ConcernStatus.CLOSED: _("closed"),
                  ConcernStatus.MERGED: _("merged")}[facts["status"]]  # fmt: skip
        what = _("🫶 A neighbour raised a concern (no. {ref}, {status})").format(
            ref=facts["id"], status=status
        ) + (f": {quote(words)}" if words else "")
    elif entry.kind in _PROGRAMMES:
        what = _PROGRAMMES[entry.kind](facts)
    else:
        what = _("✅ Follow-up done: {kind}").format(kind=kind_label(facts["kind"]))
    return what


def _wish(facts: dict[str, Any]) -> str:
    return _("🌟 Made a small wish: {kind} ({status})").format(
        kind=wish_views.kind_label(facts["kind"]), status=_wish_status(facts["status"])
    )


def _wish_status(status: WishStatus) -> str:
    return {
        WishStatus.PENDING: _("being checked"),
        WishStatus.OPEN: _("waiting for a neighbour"),
        WishStatus.LIT: _("lit by a neighbour"),
        WishStatus.DELIVERED: _("brought"),
        WishStatus.RECEIVED: _("received"),
        WishStatus.DECLINED: _("declined"),
        WishStatus.CANCELLED: _("withdrawn"),
    }[status]


def _time(facts: dict[str, Any]) -> str:
    return _("🤲 Gave time: {duration}").format(duration=duration_label(int(facts["minutes"])))


_PROGRAMMES: dict[str, Callable[[dict[str, Any]], str]] = {
    "wish": _wish,
    "wish_received": lambda facts: _("🎁 A small wish came true: {kind}").format(
        kind=wish_views.kind_label(facts["kind"])
    ),
    "payout": lambda facts: _("💰 The mutual-aid fund paid {amount} for {category}").format(
        amount=fund_views.money(int(facts["amount"])),
        category=fund_views.category_label(facts["category"]),
    ),
    "time": _time,
}


def file_text(case: CaseFile, page: int, timezone: str, now: datetime) -> str:
    household = case.household
    total = pages(case.timeline)
    lines = [_("📁 <b>Household {household}</b>").format(
        household=html.quote(household_label(household)))]  # fmt: skip
    if page == 0:
        if household.address:
            lines.append(_("Address: {address}").format(address=html.quote(household.address)))
        lines += ["", _("👥 <b>People</b>")]
        people = [_person_line(p) for p in case.people]
        people += [
            "• " + _("{name} (without a phone)").format(name=html.quote(other.name))
            for other in case.others
        ]
        lines += people or [_("• nobody recorded yet")]
        lines += ["", _("🩺 <b>Needs</b>"), *needs_lines(case.needs), ""]
        lines.append(_("🗓 <b>Follow-ups to do</b>"))
        for follow_up in case.follow_ups:
            line = follow_up_line(follow_up, case.owners.get(follow_up.owner_id or 0), timezone)
            lines.append(line + (_(" ⏰ overdue") if is_overdue(follow_up, now) else ""))
        if not case.follow_ups:
            lines.append(_("• none"))
        lines.append("")
    lines.append(_("🕒 <b>What happened</b> (page {page} of {pages}, newest first)").format(
        page=page + 1, pages=total))  # fmt: skip
    shown = page_of(case.timeline, page)
    lines += [entry_line(entry, timezone) for entry in shown] or [_("• nothing recorded yet")]
    return "\n".join(lines)


def file_keyboard(case: CaseFile, page: int) -> InlineKeyboardMarkup:
    h = case.household.id
    total = pages(case.timeline)
    buttons = []
    if page == 0:
        buttons.append(_button(_("🩺 Edit needs"), "needs", h))
        buttons.append(_button(_("➕ Add someone without a phone"), "member", h))
        buttons.append(_button(_("✏️ Rename the household"), "rename", h))
        buttons.append(_button(_("📄 As a spreadsheet"), "xlsx", h))
        for follow_up in case.follow_ups:
            data = FollowUpAction(action="filedone", follow_up_id=follow_up.id).pack()
            text = _("✅ Done: {kind}").format(kind=kind_label(follow_up.kind))
            buttons.append(InlineKeyboardButton(text=text, callback_data=data))
    if page + 1 < total:
        buttons.append(_button(_("➡️ Earlier"), "page", h, str(page + 1)))
    if page > 0:
        buttons.append(_button(_("⬅️ Newer"), "page", h, str(page - 1)))
    return one_per_row(buttons)
