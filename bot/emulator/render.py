"""Messages as the web UI shows them: safe HTML from Telegram entities, keyboards, media.

The HTML is rebuilt from the message's entities (what Telegram stored after parsing the
bot's markup), never copied from what the bot sent, so it contains only the tags below and
every character of text is escaped. The page sanitises it once more before showing it.
"""

from __future__ import annotations

import html
from typing import Any

from bot.emulator.state import ChatState, StoredMessage

# entity type -> tag the UI understands (Telegram's own HTML tags)
ENTITY_TAGS: dict[str, str] = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
    "text_link": "a",
    "url": "a",
    "text_mention": "a",
}
LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def safe_url(url: object) -> str | None:
    """The URL if a browser may follow it (no javascript: and friends), else None."""
    if isinstance(url, str) and url.strip().lower().startswith(LINK_SCHEMES):
        return url.strip()
    return None


class _Utf16Text:
    """Slices a string by UTF-16 code units, the unit of entity offsets."""

    def __init__(self, text: str) -> None:
        self.units = text.encode("utf-16-le")

    def __len__(self) -> int:
        return len(self.units) // 2

    def slice(self, start: int, end: int) -> str:
        return self.units[2 * start : 2 * end].decode("utf-16-le", errors="replace")


def _open_tag(entity: dict[str, Any], text: _Utf16Text) -> str | None:
    tag = ENTITY_TAGS.get(str(entity.get("type")))
    if tag != "a":
        return f"<{tag}>" if tag else None
    kind = entity["type"]
    if kind == "url":
        start = entity["offset"]
        url = text.slice(start, start + entity["length"])
        url = url if "://" in url else "http://" + url
    elif kind == "text_mention":
        url = f"tg://user?id={int((entity.get('user') or {}).get('id', 0))}"
    else:
        url = entity.get("url")
    checked = safe_url(url)
    return f'<a href="{html.escape(checked, quote=True)}">' if checked else None


def entities_to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Telegram text plus entities as HTML with only Telegram's tags, all text escaped.

    Overlapping (not nested) entities are closed and reopened so the HTML stays well formed.
    """
    units = _Utf16Text(text)
    size = len(units)
    spans: list[tuple[int, int, str, str]] = []  # start, end, open tag, close tag
    for entity in entities or []:
        try:
            start, length = int(entity["offset"]), int(entity["length"])
        except (KeyError, TypeError, ValueError):
            continue
        end = min(start + length, size)
        opening = _open_tag(entity, units) if 0 <= start < end else None
        if opening:
            name = opening[1:].split(">", 1)[0].split(" ", 1)[0]
            spans.append((start, end, opening, f"</{name}>"))
    spans.sort(key=lambda s: (s[0], -s[1]))
    bounds = sorted({0, size, *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pending = list(spans)
    for position, following in zip(bounds, [*bounds[1:], size], strict=True):
        if any(s[1] <= position for s in stack):
            reopen = []
            while any(s[1] <= position for s in stack):
                top = stack.pop()
                out.append(top[3])
                if top[1] > position:
                    reopen.append(top)
            for span in reversed(reopen):
                out.append(span[2])
                stack.append(span)
        while pending and pending[0][0] == position:
            span = pending.pop(0)
            out.append(span[2])
            stack.append(span)
        if following > position:
            out.append(html.escape(units.slice(position, following), quote=False))
    out.extend(span[3] for span in reversed(stack))
    return "".join(out)


def media_json(data: dict[str, Any]) -> dict[str, Any] | None:
    """What the placeholder box of a photo, document, voice note, sticker... shows."""
    if data.get("photo"):
        biggest = data["photo"][-1]
        return {"kind": "photo", "width": biggest.get("width"), "height": biggest.get("height")}
    if data.get("document"):
        document = data["document"]
        return {
            "kind": "document",
            "file_name": document.get("file_name") or "",
            "mime_type": document.get("mime_type") or "",
            "size": document.get("file_size"),
        }
    if data.get("voice"):
        return {"kind": "voice", "duration": data["voice"].get("duration")}
    if data.get("sticker"):
        return {"kind": "sticker", "emoji": data["sticker"].get("emoji") or ""}
    if data.get("contact"):
        contact = data["contact"]
        return {
            "kind": "contact",
            "phone_number": contact.get("phone_number"),
            "first_name": contact.get("first_name"),
        }
    if data.get("location"):
        location = data["location"]
        return {
            "kind": "location",
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
        }
    return None


def inline_keyboard_json(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """Inline buttons: "callback" ones are pressed through the emulator, "url" ones open."""
    rows: list[list[dict[str, Any]]] = []
    for row in (markup or {}).get("inline_keyboard") or []:
        buttons = []
        for button in row:
            item: dict[str, Any] = {"text": str(button.get("text", "")), "kind": "other"}
            if "callback_data" in button:
                item["kind"] = "callback"
            elif safe_url(button.get("url")):
                item.update(kind="url", url=safe_url(button["url"]))
            buttons.append(item)
        rows.append(buttons)
    return rows


def reply_keyboard_json(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The chat's reply keyboard, or None when there is none (or it was removed)."""
    if not markup or "keyboard" not in markup:
        return None
    rows = []
    for row in markup["keyboard"]:
        buttons = []
        for raw in row:
            button = {"text": raw} if isinstance(raw, str) else raw
            buttons.append(
                {
                    "text": str(button.get("text", "")),
                    "request_contact": bool(button.get("request_contact")),
                    "request_location": bool(button.get("request_location")),
                }
            )
        rows.append(buttons)
    return {
        "rows": rows,
        "one_time": bool(markup.get("one_time_keyboard")),
        "placeholder": markup.get("input_field_placeholder"),
    }


def message_json(message: StoredMessage) -> dict[str, Any]:
    """One message for the page: who sent it, its safe HTML, buttons and media, or deleted."""
    data = message.data
    sender = data.get("from") or {}
    base: dict[str, Any] = {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "sender_id": sender.get("id"),
        "sender_name": " ".join(
            str(part) for part in (sender.get("first_name"), sender.get("last_name")) if part
        ),
        "deleted": message.deleted,
        "seq": message.changed_seq,
    }
    if message.deleted:
        return base
    if "text" in data:
        text, entities = str(data["text"]), data.get("entities")
    else:
        text, entities = str(data.get("caption", "")), data.get("caption_entities")
    quoted = data.get("reply_to_message")
    return {
        **base,
        "text": text,
        "html": entities_to_html(text, entities),
        "edited": message.edited,
        "unseen_by_bot": not message.seen_by_bot,
        "date": data.get("date"),
        "media": media_json(data),
        "inline_keyboard": inline_keyboard_json(message.reply_markup),
        "reply_to": (
            {
                "message_id": quoted.get("message_id"),
                "text": str(quoted.get("text", quoted.get("caption", "")))[:80],
            }
            if isinstance(quoted, dict)
            else None
        ),
    }


def chat_messages_json(chat: ChatState) -> list[dict[str, Any]]:
    return [message_json(m) for m in chat.alive()]
