"""Validation of reply markup (inline and reply keyboards) with Telegram's error texts."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import bad_request

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_ACTIONS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100


def validate_reply_markup(markup: dict[str, Any], *, inline_only: bool = False) -> None:
    """Refuse markup Telegram refuses; `inline_only` is for edit methods."""
    kinds = [
        k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply") if k in markup
    ]
    if len(kinds) != 1:
        raise bad_request("can't parse reply keyboard markup JSON object")
    kind = kinds[0]
    if inline_only and kind != "inline_keyboard":
        raise bad_request("inline keyboard expected")
    if kind == "inline_keyboard":
        _validate_inline(markup["inline_keyboard"])
    elif kind == "keyboard":
        _validate_reply(markup["keyboard"])
    elif markup[kind] is not True:
        raise bad_request(f"can't parse reply keyboard markup JSON object: {kind} must be true")


def _rows(rows: Any, what: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f"can't parse {what}: field must be an Array of Array")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def _validate_inline(rows: Any) -> None:
    for row in _rows(rows, "inline keyboard"):
        for button in row:
            validate_inline_button(button)


def validate_inline_button(button: Any) -> None:
    """Exactly one action per button; callback_data 1-64 UTF-8 bytes; text non-empty."""
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")


def _validate_reply(rows: Any) -> None:
    for row in _rows(rows, "keyboard"):
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
            if not button["text"].strip():
                raise bad_request("can't parse keyboard button: Text must be non-empty")
            actions = [name for name in REPLY_ACTIONS if button.get(name)]
            if len(actions) > 1:
                raise bad_request(
                    "can't parse keyboard button: only one of the optional fields can be used, "
                    f"got {', '.join(actions)}"
                )


def check_chat_allows(markup: dict[str, Any] | None, chat_type: str) -> None:
    """Refuse buttons the Bot API documents as "available in private chats only".

    That covers every special reply keyboard button and inline web_app buttons. Telegram
    answers BUTTON_TYPE_INVALID for a web_app button in a group; the same text is used for
    the reply buttons (the documentation names no error for them).
    """
    if not markup or chat_type == "private":
        return
    for row in markup.get("keyboard") or []:
        for button in row:
            if isinstance(button, dict) and any(button.get(k) for k in REPLY_ACTIONS):
                raise bad_request("BUTTON_TYPE_INVALID")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict) and "web_app" in button:
                raise bad_request("BUTTON_TYPE_INVALID")


def button_labels(rows: list[list[Any]]) -> list[list[str]]:
    """Labels of an inline or reply keyboard, row by row."""
    return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]
