"""Prompts that wait for someone to type, made to work in groups.

In a group, Telegram's privacy mode (on for every bot that is not an admin there) gives the bot
only commands, mentions and replies to its own messages. So a prompt in a group is sent with a
selective force_reply that mentions the person it is for: their phone opens the reply field, the
answer comes as a reply to the prompt, and the bot receives it. Only a reply to the latest prompt
counts, so a coordinator chatting with colleagues (where the bot sees everything, as an admin)
is never taken for an answer. In a private chat every message is an answer, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram import Bot, html
from aiogram.fsm.context import FSMContext
from aiogram.types import ForceReply, Message, ReplyKeyboardMarkup, ReplyParameters

from bot.views import keyboards

PROMPT_KEY = "prompt_message_id"
"""Where the state data keeps the id of the latest prompt in a group."""


def in_group(chat_id: int) -> bool:
    return chat_id < 0


def addressed_name(name: str, telegram_id: int, chat_id: int) -> str:
    """The person's (HTML-quoted) name, as a mention in a group so the prompt targets them."""
    return html.link(name, f"tg://user?id={telegram_id}") if in_group(chat_id) else name


def group_reply_markup(chat_id: int, placeholder: str | None = None) -> ForceReply | None:
    """force_reply for the people the prompt targets, in groups; nothing in private chats.
    `placeholder`: what the input field says is asked."""
    if not in_group(chat_id):
        return None
    return ForceReply(
        force_reply=True,
        selective=True,
        input_field_placeholder=placeholder[:64] if placeholder else None,
    )


def _private_markup(placeholder: str | None, stop: bool) -> ForceReply | ReplyKeyboardMarkup | None:
    """In a private chat: the "✖️ Stop" button (`stop`; the flow must put the menu back after)
    or the reply field opened, either with the input field saying what is asked."""
    if placeholder is None:
        return None
    if stop:
        return keyboards.stop_keyboard(placeholder)
    return ForceReply(force_reply=True, input_field_placeholder=placeholder[:64])


async def ask_to_type(
    bot: Bot,
    chat_id: int,
    text: str,
    state: FSMContext,
    *,
    reply_to: int | None = None,
    placeholder: str | None = None,
    stop: bool = False,
) -> Message:
    """Send a prompt; in a group (where it must mention the person, see `addressed_name`) as a
    reply to `reply_to`, if given, and remembered as the one to answer."""
    if not in_group(chat_id):
        return await bot.send_message(
            chat_id, text, reply_markup=_private_markup(placeholder, stop)
        )
    sent = await bot.send_message(
        chat_id,
        text,
        reply_markup=group_reply_markup(chat_id, placeholder),
        reply_parameters=_reply(reply_to),
    )
    await state.update_data({PROMPT_KEY: sent.message_id})
    return sent


async def ask_again(message: Message, text: str, state: FSMContext) -> Message:
    """Answer a typed message and wait for the next try: in a group, as a reply to it (which
    targets its sender), with force_reply, and the new prompt is the one to answer."""
    chat_id = message.chat.id
    if not in_group(chat_id):
        return await message.answer(text)
    sent = await message.reply(text, reply_markup=group_reply_markup(chat_id))
    await state.update_data({PROMPT_KEY: sent.message_id})
    return sent


def answers_prompt(message: Message, data: Mapping[str, Any]) -> bool:
    """Whether this message answers the prompt: any message in a private chat; in a group only
    a reply to the latest prompt (the state itself is per person, so it is the right person)."""
    if not in_group(message.chat.id):
        return True
    replied = message.reply_to_message
    return replied is not None and replied.message_id == data.get(PROMPT_KEY)


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)
