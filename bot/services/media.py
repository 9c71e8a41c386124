"""What a person sent besides words (a voice note, a photo, a document), named by its Telegram
file id, and the one way a message that carries it is put together: the send method and its
parameters, the words as its caption. Broadcasts, request cards and answers all go this way,
so the outbox carries media like text. No Telegram types: plain Bot API method names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

MediaKind = Literal["voice", "photo", "document"]
SEND_METHODS: dict[str, str] = {
    "voice": "sendVoice",
    "photo": "sendPhoto",
    "document": "sendDocument",
}
CAPTION_LIMIT = 1024  # Telegram's limit of the visible caption under a file


@dataclass(frozen=True)
class Media:
    """One file a person sent, to be sent again by its file id (Telegram keeps the file)."""

    kind: MediaKind
    file_id: str

    @property
    def method(self) -> str:
        return SEND_METHODS[self.kind]

    def detail(self) -> dict[str, str]:
        """As kept in a request event's detail (erased with the person's words)."""
        return {self.kind: self.file_id}


def media_of(voice_file_id: str | None, photo_file_id: str | None) -> list[Media]:
    """A request's voice note and photo, in that order, those it has."""
    found: list[Media] = []
    if voice_file_id:
        found.append(Media("voice", voice_file_id))
    if photo_file_id:
        found.append(Media("photo", photo_file_id))
    return found


def fits_as_caption(text: str) -> bool:
    """Whether HTML `text` surely fits under a file (its visible length is at most its own)."""
    return len(text) <= CAPTION_LIMIT


def outgoing_payload(
    text: str, media: Media | None, reply_markup: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """(method, parameters without chat_id) of an HTML message: `text` alone, or `media` with
    `text` as its caption."""
    payload: dict[str, Any] = {"parse_mode": "HTML"}
    if media is None:
        payload["text"] = text
        method = "sendMessage"
    else:
        payload[media.kind] = media.file_id
        if text:
            payload["caption"] = text
        method = media.method
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    return method, payload
