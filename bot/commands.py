"""The bot's command menu (setMyCommands) in every language.

Telegram picks a command list by a two-letter language code, which cannot tell Simplified from
Traditional Chinese; so the lists by language are only the first guess, and each person also gets
a list for their own chat in the language they chose."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __

from storage.models import UserRole

COMMANDS = (
    ("start", __("Start, or show the main menu")),
    ("help", __("What I can do for you")),
    ("language", __("Change language")),
    ("privacy", __("What we store, and deleting it")),
    ("cancel", __("Stop what you are doing")),
    ("concern", __("I'm worried about a neighbour")),
)

ROLE_COMMANDS = {
    UserRole.RESIDENT: (
        ("request", __("Ask for help")),
        ("myrequests", __("My requests")),
        ("wish", __("Make a small wish")),
        ("wishes", __("Light a neighbour's wish")),
        ("offer", __("Offer my time")),
    ),
    UserRole.VOLUNTEER: (
        ("tasks", __("Open tasks")),
        ("mytasks", __("Tasks I have taken")),
        ("hours", __("My volunteering hours")),
        ("visits", __("My paired visits")),
        ("checkins", __("Check-ins of the people I look after")),
        ("serve", __("Help one more community")),
        ("wishes", __("Light a neighbour's wish")),
        ("offer", __("Offer my time")),
    ),
    UserRole.COORDINATOR: (
        ("waiting", __("Requests waiting to be checked or taken")),
        ("volunteers", __("Volunteers waiting for a decision")),
        ("checkins", __("Today's check-ins")),
        ("enrol", __("Enrol someone in daily check-ins")),
        ("broadcast", __("Send a notice or an event")),
        ("pair", __("Pair a volunteer with a resident")),
        ("visits", __("Pairings and coming visits")),
        ("places", __("Buildings and areas of the community")),
        ("numbers", __("The numbers of this week and month")),
        ("poster", __("A poster to join, for the notice board")),
        ("verify", __("Check a volunteer's hours certificate")),
        ("survey", __("A short survey of the people you serve")),
        ("household", __("A household's case file")),
        ("concerns", __("Neighbours' concerns being looked into")),
        ("tasks", __("Open tasks")),
        ("mytasks", __("Tasks I have taken")),
        ("hours", __("My volunteering hours")),
        ("wish", __("Write a wish for a household")),
        ("campaign", __("Open a campaign day of wishes")),
        ("wishes", __("Light a neighbour's wish")),
        ("offers", __("Offers of time to match")),
        ("offer", __("Offer my time")),
    ),
}

_LIST_BY_TELEGRAM_LANGUAGE = {"en": "en", "zh": "zh_Hans"}


def commands_in(i18n: I18n, locale: str, role: UserRole | None = None) -> list[BotCommand]:
    """The common commands, with the role's own first."""
    listed = (*ROLE_COMMANDS.get(role, ()), *COMMANDS) if role else COMMANDS
    with i18n.context(), i18n.use_locale(locale):
        return [BotCommand(command=name, description=str(text)) for name, text in listed]


async def publish_commands(bot: Bot, i18n: I18n) -> None:
    """The default list (default language) and one list per Telegram language we speak."""
    await bot.set_my_commands(
        commands_in(i18n, i18n.default_locale), scope=BotCommandScopeDefault()
    )
    for language_code, locale in _LIST_BY_TELEGRAM_LANGUAGE.items():
        await bot.set_my_commands(
            commands_in(i18n, locale), scope=BotCommandScopeDefault(), language_code=language_code
        )


async def set_chat_commands(
    bot: Bot, i18n: I18n, chat_id: int, locale: str, role: UserRole | None = None
) -> None:
    """The command list of one person's chat, in the language they chose, for their role."""
    await bot.set_my_commands(
        commands_in(i18n, locale, role), scope=BotCommandScopeChat(chat_id=chat_id)
    )


async def clear_chat_commands(bot: Bot, chat_id: int) -> None:
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
