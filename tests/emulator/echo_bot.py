"""A tiny aiogram bot (no linli code) used to exercise the emulator end to end."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

ECHO_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text="👍 Like", callback_data="like"),
            InlineKeyboardButton(text="Edit", callback_data="edit"),
        ],
        [InlineKeyboardButton(text="Docs", url="https://example.org/docs")],
    ]
)
START_KEYBOARD = ReplyKeyboardMarkup(
    keyboard=[
        [KeyboardButton(text="Share contact", request_contact=True)],
        [KeyboardButton(text="Help")],
    ],
    resize_keyboard=True,
)


def build_router(events: list[str]) -> Router:
    """Handlers for commands, text, contacts, callbacks; `events` records what arrived."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        events.append(f"start:{message.text}")
        await message.answer("Welcome!", reply_markup=START_KEYBOARD)

    @router.message(Command("ping"))
    async def ping(message: Message) -> None:
        events.append("ping")
        await message.answer("pong")

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        events.append(f"contact:{message.contact.phone_number}")
        await message.answer(f"Thanks {message.contact.phone_number}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        events.append(f"text:{message.text}")
        await message.answer(
            f"You said: <b>{escape(message.text or '')}</b>",
            parse_mode="HTML",
            reply_markup=ECHO_KEYBOARD,
        )

    @router.callback_query(F.data == "like")
    async def like(query: CallbackQuery) -> None:
        events.append("like")
        await query.answer("Liked!")

    @router.callback_query(F.data == "edit")
    async def edit(query: CallbackQuery) -> None:
        events.append("edit")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Edited")
        await query.answer()

    @router.callback_query()
    async def unknown(query: CallbackQuery) -> None:
        events.append(f"callback:{query.data}")
        await query.answer("Unknown button", show_alert=True)

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        events.append(f"member:{update.new_chat_member.status}")

    return router
