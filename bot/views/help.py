"""Words of ❓ Help: what each role can do, named by the buttons of the person's menu (never a
command), the community's phone and the "📞 Please call me" button; and the words of call
backs and of a group's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import CallBackAction, FundNews, GiveBack, GroupLanguageChoice
from bot.i18n import LANGUAGE_NAMES
from bot.policy.permissions import is_coordinator, is_volunteer
from bot.views import keyboards as k
from bot.views.keyboards import one_per_row
from bot.views.texts import local_time
from bot.views.words import join_items, phone_html
from storage.models import CallBack, User

_RESIDENT_TOOLS = (
    (k.MENU_MY_REQUESTS, __("how your requests are going")),
    (k.MENU_DAILY_CHECKIN, __("a daily “Are you all right?” from us")),
    (k.MENU_WISH, __("a small wish neighbours may light")),
    (k.MENU_LIGHT, __("make a neighbour's small wish come true")),
)
_VOLUNTEER_TOOLS = (
    (k.MENU_TASKS, __("neighbours who need a hand now")),
    (k.MENU_MY_TASKS, __("the tasks you have taken")),
    (k.MENU_VISITS, __("your visits to the people you are paired with")),
    (k.MENU_HOURS, __("the time you have given, and a certificate of it")),
    (k.MENU_CHECKINS_TODAY, __("today's check-ins of the people you look after")),
    (k.MENU_LIGHT, __("make a neighbour's small wish come true")),
)
_COORDINATOR_TOOLS = (
    (k.MENU_TASKS, __("open tasks; take one yourself")),
    (k.MENU_MY_TASKS, __("the tasks you have taken")),
    (k.MENU_CHECKINS_TODAY, __("today's check-ins: who answered, who did not")),
    (k.MENU_ENROL, __("give someone a daily check-in")),
    (k.MENU_BROADCAST, __("a notice or an event for everyone, or for some")),
    (k.MENU_PAIR, __("pair a volunteer with a resident for regular visits")),
    (k.MENU_VISITS, __("all pairings and the coming visits")),
    (k.MENU_CALL_BACKS, __("people who asked to be phoned")),
    (k.MENU_PLACES, __("the buildings and areas of the community")),
    (k.MENU_HOURS, __("the time you have given, and a certificate of it")),
    (k.MENU_FUND, __("money received and paid out, each payout approved by two")),
    (k.MENU_WISH, __("write a small wish for a household")),
    (k.MENU_LIGHT, __("make a neighbour's small wish come true")),
)
_EVERYONE_TOOLS = (
    (k.MENU_CONCERN, __("tell the coordinators about a neighbour who may need help")),
    (k.MENU_DETAILS, __("what we know about you")),
    (k.MENU_LANGUAGE, __("read me in another language")),
    (k.MENU_PRIVACY, __("what we keep, and deleting it")),
)


def _tool_lines(tools: Sequence[tuple[object, object]]) -> str:
    return "\n".join(
        _("• <b>{button}</b>: {what}").format(button=html.quote(str(button)), what=what)
        for button, what in tools
    )


def help_text(user: User, community_phone: str, *, in_group: bool = False) -> str:
    """What the person can do, each thing by the button of their menu that does it (in a
    group, where nobody's menu is shown, the menu of our private chat)."""
    if not user.is_onboarded:
        return _(
            "I help neighbours help each other. Write me any word to register; it takes a minute."
        )
    if is_coordinator(user):
        intro = _(
            "You are a coordinator. You look after the people of your community: their requests "
            "and the volunteers who help them. New requests come to you as cards with buttons."
        )
        tools = _COORDINATOR_TOOLS
    elif is_volunteer(user):
        intro = _(
            "You are a volunteer. Thank you! Here you will find neighbours who need a hand, "
            "and keep track of the help you give."
        )
        tools = _VOLUNTEER_TOOLS
    else:
        intro = _("I connect you with volunteers from your neighbourhood.")
        kinds = join_items(_(msgid) for msgid in k.KIND_MSGIDS.values())
        asking = _("tap one to ask a neighbour for a hand, then write or say what you need")
        tools = ((kinds, asking), *_RESIDENT_TOOLS)
    parts = [
        intro,
        _("In our private chat, tap a button of the menu:")
        if in_group
        else _("Tap a button of the menu below:"),
        _tool_lines((*tools, *_EVERYONE_TOOLS)),
        _("In the middle of something, “✖️ Stop” goes back to the menu."),
    ]
    if community_phone:
        parts.append(
            _("☎️ To talk to someone, call the community: {phone}").format(
                phone=phone_html(community_phone)
            )
        )
    parts.append(_("Or tap “📞 Please call me” and a coordinator will phone you."))
    return "\n\n".join(parts)


def help_keyboard(
    reads_fund_ledger: bool | None = None, give_back: bool | None = None
) -> InlineKeyboardMarkup:
    """ "📞 Please call me"; and, where offered (not None), the fund's monthly ledger on/off and
    (for residents) now and then a word about giving time back, on/off."""
    buttons = [
        InlineKeyboardButton(text=str(k.CALL_ME), callback_data=CallBackAction(action="ask").pack())
    ]
    if reads_fund_ledger is not None:
        buttons.append(
            InlineKeyboardButton(
                text=_("🔕 Stop the fund's monthly ledger")
                if reads_fund_ledger
                else _("💰 Send me the fund's monthly ledger"),
                callback_data=FundNews(on=not reads_fund_ledger).pack(),
            )
        )
    if give_back is not None:
        buttons.append(
            InlineKeyboardButton(
                text=_("🔕 No more word about giving time back")
                if give_back
                else _("🌱 Tell me when I could give time back"),
                callback_data=GiveBack(on=not give_back).pack(),
            )
        )
    return one_per_row(buttons)


def call_back_asked_text(user: User, new: bool) -> str:
    """The answer to "📞 Please call me"."""
    if user.phone:
        text = _("📞 Thank you. A coordinator will phone you soon at {phone}.").format(
            phone=phone_html(user.phone)
        )
    else:
        text = _(
            "📞 Thank you. We do not have your phone number, so a coordinator will write to you "
            "here first. You can share your number in “👤 My details”."
        )
    if not new:
        text += "\n" + _("You are already on their list; they have not forgotten you.")
    return text


def call_back_card(user: User, asked_at: datetime, timezone: str) -> str:
    """What coordinators are told (and see on their list) of someone who asked to be called."""
    return _(
        "📞 <b>{name} asks to be called</b>\nPhone: {phone}\nBuilding / area: {area}\nAsked: {at}"
    ).format(
        name=html.quote(user.display_name or "—"),
        phone=phone_html(user.phone),
        area=html.quote(user.area or "—"),
        at=local_time(asked_at, timezone),
    )


def call_back_done_button(call: CallBack, name: str | None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("✅ I called {name}").format(name=(name or "—")[:32]),
        callback_data=CallBackAction(action="done", call_id=call.id).pack(),
    )


def call_back_keyboard(call: CallBack, user: User) -> InlineKeyboardMarkup:
    return one_per_row([call_back_done_button(call, user.display_name)])


def call_backs_list(
    waiting: Sequence[tuple[CallBack, User]], timezone: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not waiting:
        return _("📞 Nobody is waiting for a call. Thank you!"), None
    text = "\n\n".join(
        [_("📞 <b>Calls to make</b>, the oldest first:")]
        + [call_back_card(user, call.asked_at, timezone) for call, user in waiting]
    )
    return text, one_per_row(
        call_back_done_button(call, user.display_name) for call, user in waiting
    )


def call_back_done_text(coordinator: User, user: User) -> str:
    return _("✅ {coordinator} called {name}.").format(
        coordinator=html.quote(coordinator.display_name or "—"),
        name=html.quote(user.display_name or "—"),
    )


def call_back_already_done_text() -> str:
    return _("Someone has already called them. Thank you!")


def call_backs_are_for_coordinators_text() -> str:
    return _("Only the community coordinators can see the calls to make.")


# a group's language


def group_language_question(current: str | None) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(
            text=f"✅ {name}" if locale == current else name,
            callback_data=GroupLanguageChoice(locale=locale).pack(),
        )
        for locale, name in LANGUAGE_NAMES.items()
    ]
    return _("🌐 In which language should I write in this group?"), one_per_row(buttons)


def group_language_set_text(locale: str) -> str:
    """Written in the group's new language."""
    return _("✅ From now on I write in this group in {language}.").format(
        language=LANGUAGE_NAMES[locale]
    )


def group_language_for_coordinators_text() -> str:
    return _(
        "Only a coordinator can choose this group's language. To change your own, tap "
        "“🌐 Language” in our private chat."
    )


def group_of_another_community_text() -> str:
    return _(
        "This group belongs to another community: its own coordinators choose the language "
        "I write in here."
    )
