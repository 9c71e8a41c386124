"""What a person sent besides words (a voice note, a photo, a document), named by its Telegram
file id, and the one way a message that carries it is put together: the send method and its
parameters, the words as its caption. Broadcasts, request cards and answers all go this way,
so the outbox carries media like text. No Telegram types: plain Bot API method names."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Upload:
    """A file linli drew itself (a chart, a spreadsheet), sent as its bytes: the outbox row
    keeps them (base64, under "upload") until the sender sends them as a multipart file."""

    kind: Literal["photo", "document"]
    filename: str
    data: bytes = field(repr=False)

    @property
    def method(self) -> str:
        return SEND_METHODS[self.kind]

    def parameter(self) -> dict[str, str]:
        return {"upload": base64.b64encode(self.data).decode("ascii"), "filename": self.filename}


def uploaded(value: Any) -> tuple[str, bytes] | None:
    """(file name, bytes) of a parameter written by `Upload.parameter`; None for a file id."""
    if isinstance(value, dict) and "upload" in value:
        return str(value.get("filename") or "file"), base64.b64decode(value["upload"])
    return None


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
    text: str, media: Media | Upload | None, reply_markup: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """(method, parameters without chat_id) of an HTML message: `text` alone, or `media` with
    `text` as its caption."""
    payload: dict[str, Any] = {"parse_mode": "HTML"}
    if media is None:
        payload["text"] = text
        method = "sendMessage"
    else:
        payload[media.kind] = media.file_id if isinstance(media, Media) else media.parameter()
        if text:
            payload["caption"] = text
        method = media.method
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    return method, payload
