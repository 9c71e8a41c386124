"""Keyboards. Big buttons, one choice per row, words in the person's language."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import ConsentAnswer, LanguageChoice, PrivacyAction, PrivacyStep, RoleChoice
from bot.i18n import LANGUAGE_NAMES
from storage.models import RequestCategory, UserRole

# Main-menu labels, kept lazy so the same constant serves every language (see translations_of).
MENU_DETAILS = __("👤 My details")
MENU_LANGUAGE = __("🌐 Language")
MENU_PRIVACY = __("🔒 Privacy")
MENU_HELP = __("❓ Help")
SKIP = __("⏭ Skip")
NEED_HELP = __("🙋 I need help")
VOLUNTEER = __("🤝 I want to volunteer")
SHARE_PHONE = __("📱 Share my phone number")
OTHER_NAME = __("✍️ I agree, with another name")
MENU_MY_REQUESTS = __("📋 My requests")
MENU_TASKS = __("🔎 Open tasks")
MENU_MY_TASKS = __("🧰 My tasks")
MENU_HOURS = __("⏱ My hours")
MENU_DAILY_CHECKIN = __("🔔 Daily check-in")
MENU_CHECKINS_TODAY = __("📋 Check-ins today")
MENU_VISITS = __("🗓 Visits")
MENU_ENROL = __("➕ Enrol in check-ins")
MENU_BROADCAST = __("📣 Send a notice")
MENU_PAIR = __("🤝 Pair a visitor")
MENU_PLACES = __("🏘 Places")
MENU_CALL_BACKS = __("📞 Calls to make")
MENU_FUND = __("💰 Mutual-aid fund")
STOP = __("✖️ Stop")
CALL_ME = __("📞 Please call me")
MENU_CONCERN = __("🫶 I'm worried about a neighbour")
MENU_WISH = __("🌟 Make a wish")
MENU_LIGHT = __("🕯 Light a wish")
MENU_OFFER = __("🤝 Offer my time")
MENU_OFFERS = __("🤝 Offers of time")


def _row(*labels: object) -> list[KeyboardButton]:
    return [KeyboardButton(text=str(label)) for label in labels]


# The kinds of help on a resident's menu: tapping one starts a request of that kind. The same
# words as bot.views.texts.category_label (one msgid, one translation).
KIND_MSGIDS: dict[RequestCategory, str] = {
    RequestCategory.SHOPPING: "🛒 Shopping and errands",
    RequestCategory.MEALS: "🍲 Meals",
    RequestCategory.MEDICAL_ESCORT: "🏥 Medical escort",
    RequestCategory.HOME_REPAIR: "🔧 Home repair",
    RequestCategory.COMPANIONSHIP: "☕ Companionship",
    RequestCategory.EMOTIONAL_SUPPORT: "💬 Someone to talk to",
    RequestCategory.PAPERWORK: "📄 Paperwork and benefits",
    RequestCategory.OTHER: "✳️ Something else",
}


def one_per_row(buttons: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """Inline buttons one per row: every button wide and easy to hit. The one helper for it."""
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


def main_menu(role: UserRole | None) -> ReplyKeyboardMarkup:
    """The menu that stays under the chat. Not resized: rows of tall, easy buttons, the role's
    own actions first; a resident's first rows are the kinds of help, one tap to ask."""
    rows: list[list[KeyboardButton]] = []
    if role is UserRole.RESIDENT:
        kinds = [KeyboardButton(text=_(msgid)) for msgid in KIND_MSGIDS.values()]
        rows += [kinds[index : index + 2] for index in range(0, len(kinds), 2)]
        rows.append(_row(MENU_MY_REQUESTS, MENU_DAILY_CHECKIN))
        rows.append(_row(MENU_WISH, MENU_LIGHT))
        rows.append(_row(MENU_OFFER))
    elif role is UserRole.VOLUNTEER:
        rows.append(_row(MENU_TASKS, MENU_MY_TASKS))
        rows.append(_row(MENU_VISITS, MENU_HOURS))
        rows.append(_row(MENU_CHECKINS_TODAY, MENU_LIGHT))
        rows.append(_row(MENU_OFFER))
    elif role is UserRole.COORDINATOR:
        rows.append(_row(MENU_TASKS, MENU_MY_TASKS))
        rows.append(_row(MENU_CHECKINS_TODAY, MENU_ENROL))
        rows.append(_row(MENU_BROADCAST, MENU_PAIR))
        rows.append(_row(MENU_VISITS, MENU_CALL_BACKS))
        rows.append(_row(MENU_PLACES, MENU_HOURS))
        rows.append(_row(MENU_FUND, MENU_OFFERS))
        rows.append(_row(MENU_WISH, MENU_LIGHT))
    if role is not None:
        rows.append(_row(MENU_CONCERN))
    rows += [
        [KeyboardButton(text=str(MENU_DETAILS)), KeyboardButton(text=str(MENU_HELP))],
        [KeyboardButton(text=str(MENU_LANGUAGE)), KeyboardButton(text=str(MENU_PRIVACY))],
    ]
    return ReplyKeyboardMarkup(
        keyboard=rows,
        is_persistent=True,
        resize_keyboard=False,
        input_field_placeholder=_("Choose from the menu below"),
    )


def stop_keyboard(placeholder: str) -> ReplyKeyboardMarkup:
    """Under a question that waits for typed words (in a private chat): one "✖️ Stop" button,
    and the input field saying what is asked."""
    return ReplyKeyboardMarkup(
        keyboard=[_row(STOP)],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=placeholder[:64],
    )


def no_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def role_choice() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=str(NEED_HELP),
                callback_data=RoleChoice(role=UserRole.RESIDENT.value).pack(),
            ),
            InlineKeyboardButton(
                text=str(VOLUNTEER),
                callback_data=RoleChoice(role=UserRole.VOLUNTEER.value).pack(),
            ),
            InlineKeyboardButton(
                text=_("🌐 Language"), callback_data=LanguageChoice(locale="ask").pack()
            ),
        ]
    )


def consent(telegram_first_name: str | None = None) -> InlineKeyboardMarkup:
    """Agreeing and saying the name in one tap: "✅ I agree, call me Mei" (her Telegram first
    name), or agreeing and typing another name; or no."""
    no = InlineKeyboardButton(
        text=_("✖️ No, thank you"), callback_data=ConsentAnswer(agree=False).pack()
    )
    if not telegram_first_name:
        agree = InlineKeyboardButton(
            text=_("✅ I agree"), callback_data=ConsentAnswer(agree=True).pack()
        )
        return one_per_row([agree, no])
    name = telegram_first_name[:40]
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("✅ I agree, call me {name}").format(name=name),
                callback_data=ConsentAnswer(agree=True, own_name=True).pack(),
            ),
            InlineKeyboardButton(
                text=str(OTHER_NAME), callback_data=ConsentAnswer(agree=True).pack()
            ),
            no,
        ]
    )


def name_suggestion(telegram_first_name: str | None) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """Offer the Telegram name as a one-tap answer; typing another name works too."""
    if not telegram_first_name:
        return ReplyKeyboardRemove()
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=telegram_first_name[:64])]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("Your name"),
    )


def phone_request() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=str(SHARE_PHONE), request_contact=True)],
            [KeyboardButton(text=str(SKIP))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("Your phone number"),
    )


def skip_keyboard(placeholder: str | None = None) -> ReplyKeyboardMarkup:
    """One big "⏭ Skip" under a question that may be left unanswered; the input field says
    what is asked."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=str(SKIP))]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=(placeholder or _("Type your answer, or tap “⏭ Skip”"))[:64],
    )


def language_choice(current: str | None) -> InlineKeyboardMarkup:
    buttons = []
    for locale, name in LANGUAGE_NAMES.items():
        label = f"✅ {name}" if locale == current else name
        buttons.append(
            InlineKeyboardButton(text=label, callback_data=LanguageChoice(locale=locale).pack())
        )
    return one_per_row(buttons)


def privacy_actions() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("🗑 Delete my data"),
                callback_data=PrivacyAction(step=PrivacyStep.ASK_DELETE).pack(),
            )
        ]
    )


def confirm_delete() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("🗑 Yes, delete everything"),
                callback_data=PrivacyAction(step=PrivacyStep.CONFIRM_DELETE).pack(),
            ),
            InlineKeyboardButton(
                text=_("↩️ No, keep my data"),
                callback_data=PrivacyAction(step=PrivacyStep.KEEP).pack(),
            ),
        ]
    )
