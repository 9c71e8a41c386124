"""Small pieces of replying shared by the routers: the main menu, retiring old buttons."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from magic_filter import MagicFilter

from bot.i18n import LANGUAGE_NAMES, translations_of
from bot.policy.permissions import is_resident
from bot.understanding.answers import is_cancel
from bot.views import keyboards
from bot.views.words import phone_html
from storage.models import User, UserRole


def button_text(msgid: str) -> MagicFilter:
    """Matches the text of a reply-keyboard button in any of our languages: the keyboard may have
    been drawn before the person changed language."""
    return F.text.func(lambda text: text in translations_of(msgid))


def role_label(role: UserRole | None) -> str:
    labels = {
        UserRole.RESIDENT: _("resident"),
        UserRole.VOLUNTEER: _("volunteer"),
        UserRole.COORDINATOR: _("coordinator"),
    }
    return labels.get(role, _("not registered")) if role else _("not registered")


async def send_main_menu(bot: Bot, chat_id: int, user: User, text: str | None = None) -> None:
    """Send `text` (or a short prompt) with the menu keyboard that fits the person's role. In a
    group (negative chat id) the text goes without the menu: a person's menu is theirs alone."""
    in_private = chat_id > 0
    await bot.send_message(
        chat_id,
        text or _("What would you like to do? Choose from the menu below 👇"),
        reply_markup=keyboards.main_menu(user.role) if in_private else None,
    )


async def retire_buttons(callback: CallbackQuery, note: str | None = None) -> None:
    """Take the buttons off a message once one was used, so a second tap has nothing to press.
    With `note`, the message also shows what was chosen."""
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    with suppress(TelegramBadRequest):  # already edited by an earlier tap, or too old to edit
        if note and message.html_text:
            await message.edit_text(f"{message.html_text}\n\n<b>{html.quote(note)}</b>")
        else:
            await message.edit_reply_markup(reply_markup=None)


async def edit_pressed(
    callback: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message whose button was pressed (only its buttons when `text` is None); an
    identical edit (a double tap) or a message too old to edit is not an error."""
    message = callback.message
    if not isinstance(message, Message):
        return
    with suppress(TelegramBadRequest):
        if text is None:
            await message.edit_reply_markup(reply_markup=markup)
        else:
            await message.edit_text(text, reply_markup=markup)


def stale_button_text() -> str:
    """A button from an earlier message, or one pressed twice."""
    return _("This button is no longer active. Please use the latest message.")


def not_yours_text() -> str:
    """A forged button, or one meant for someone else."""
    return _("This button is not for you, or it is no longer active.")


def is_stop_word(text: str | None) -> bool:
    """ "✖️ Stop" tapped under a question, or a cancel word typed ("取消", "不要了", "stop"...,
    bot.understanding.answers): the step is left, as /cancel does for those who type commands."""
    if not text:
        return False
    return text in translations_of("✖️ Stop") or is_cancel(text)


def not_registered_text() -> str:
    return _("You are not registered yet. Write me any word, and we begin.")


def stop_hint() -> str:
    """How to leave a step that waits for typed words (the "✖️ Stop" button in a private chat;
    the word itself, typed, anywhere)."""
    return _("To stop, tap “✖️ Stop” or write “stop”.")


def tap_a_button_text() -> str:
    """Something typed at a step that waits for a button: said before the question again
    (`buttons_again`), so she can tap right there."""
    return _("Sorry, I did not quite understand. Here is the question again: please tap 👇")


async def buttons_again(
    message: Message,
    question: str,
    markup: InlineKeyboardMarkup | None,
    note: str | None = None,
) -> None:
    """Free text, a sticker, a photo... at a step that waits for a button: never only "tap a
    button above". Kindly, the step's question again with its buttons, under what she sent
    (`note` says why, `tap_a_button_text` when not given)."""
    await message.answer(f"{note or tap_a_button_text()}\n\n{question}", reply_markup=markup)


def details_text(user: User, locale: str) -> str:
    """A person's own details, as shown to themselves."""
    return _(
        "<b>Your details</b>\n"
        "Name: {name}\n"
        "Phone: {phone}\n"
        "Building / area: {area}\n"
        "Role: {role}\n"
        "Language: {language}"
    ).format(
        name=html.quote(user.display_name or "—"),
        phone=phone_html(user.phone, "") if user.phone else _("not given"),
        area=html.quote(user.area or "—"),
        role=role_label(user.role),
        language=LANGUAGE_NAMES.get(locale, locale),
    ) + (
        "\n"
        + _("Address: {address}").format(
            address=html.quote(user.address) if user.address else _("not given")
        )
        if is_resident(user)
        else ""
    )
