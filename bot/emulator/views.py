"""Read-only snapshots of chat messages, convenient for assertions and the web UI."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from bot.emulator.markup import button_labels
from bot.emulator.state import StoredMessage


@dataclass(frozen=True)
class ChatMessage:
    """A message as the user sees it now (edits applied).

    `text` is the visible text or caption; `html` is the text or caption exactly as the bot
    sent it (with its parse_mode markup); `buttons` are inline keyboard labels by row;
    `sender_id` tells group members apart.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    text: str
    html: str | None
    parse_mode: str | None
    buttons: list[list[str]]
    inline_keyboard: list[list[dict[str, Any]]] | None
    reply_keyboard: list[list[str]] | None
    removes_keyboard: bool
    placeholder: str | None
    """What the input field says under this message (a reply keyboard's or force_reply's)."""
    document: dict[str, Any] | None
    photo: list[dict[str, Any]] | None
    voice: dict[str, Any] | None
    file_bytes: bytes | None
    edited: bool
    date: int
    raw: dict[str, Any]

    @classmethod
    def of(cls, stored: StoredMessage) -> ChatMessage:
        data = copy.deepcopy(stored.data)
        inline = (data.get("reply_markup") or {}).get("inline_keyboard")
        sent = stored.sent_markup or {}
        return cls(
            message_id=stored.message_id,
            chat_id=stored.chat_id,
            from_bot=stored.from_bot,
            sender_id=int((data.get("from") or {}).get("id", 0)),
            text=str(data.get("text", data.get("caption", ""))),
            html=stored.source,
            parse_mode=stored.parse_mode,
            buttons=button_labels(inline) if inline else [],
            inline_keyboard=inline,
            reply_keyboard=button_labels(sent["keyboard"]) if "keyboard" in sent else None,
            removes_keyboard=bool(sent.get("remove_keyboard")),
            placeholder=sent.get("input_field_placeholder"),
            document=data.get("document"),
            photo=data.get("photo"),
            voice=data.get("voice"),
            file_bytes=stored.file.data if stored.file else None,
            edited=stored.edited,
            date=int(data.get("date", 0)),
            raw=data,
        )

    @property
    def labels(self) -> list[str]:
        """All inline button labels, flattened."""
        return [label for row in self.buttons for label in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button with exactly this label."""
        for row in self.inline_keyboard or []:
            for button in row:
                if button.get("text") == label:
                    return button
        raise AssertionError(f"message {self.message_id} has no button {label!r}: {self.buttons}")

    def has_button(self, label: str) -> bool:
        return label in self.labels

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly form for the control API."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "sender_id": self.sender_id,
            "text": self.text,
            "html": self.html,
            "parse_mode": self.parse_mode,
            "buttons": self.buttons,
            "inline_keyboard": self.inline_keyboard,
            "reply_keyboard": self.reply_keyboard,
            "document": self.document,
            "photo": self.photo,
            "voice": self.voice,
            "edited": self.edited,
            "date": self.date,
        }
