"""What a message carries besides words: its voice note or photo as a `Media` to pass on, and
its words (the text, or a photo's caption)."""

from __future__ import annotations

from aiogram import F
from aiogram.types import Message

from bot.services.media import Media

VOICE_OR_PHOTO = F.voice | F.photo
"""A filter: a voice note or a photo (a filter for its words is `F.text`)."""


def sent_media(message: Message) -> Media | None:
    """The voice note, or the largest size of the photo, the person sent."""
    if message.voice is not None:
        return Media("voice", message.voice.file_id)
    if message.photo:
        return Media("photo", message.photo[-1].file_id)
    return None


def words_of(message: Message) -> str:
    return message.text or message.caption or ""
