"""Files known to the fake server: uploads from the bot and media sent by fake users."""

from __future__ import annotations

import hashlib
import itertools
import struct
from dataclasses import dataclass, field
from typing import Any

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part as the bot sent it."""

    filename: str
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredFile:
    """A file with a Telegram file_id, downloadable through getFile and /file/bot<token>/."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0  # seconds, of a voice note: Telegram keeps it when the file is sent again

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def file_path(self) -> str:
        suffix = ""
        if self.file_name and "." in self.file_name:
            suffix = "." + self.file_name.rsplit(".", 1)[1]
        return f"{self.kind}s/file_{self.file_unique_id}{suffix}"

    def file_json(self) -> dict[str, Any]:
        """The Telegram `File` object returned by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


# Prefixes resemble real file ids per kind so that logs look familiar.
_KIND_PREFIX = {
    "document": "BQACAgIAAxkBAAI",
    "photo": "AgACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
}


class FileStore:
    """Assigns file ids and keeps file bytes so bots can send them again or download them."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
        duration: int = 0,
    ) -> StoredFile:
        number = next(self._counter)
        digest = hashlib.sha1(data + str(number).encode(), usedforsecurity=False).hexdigest()
        width, height = image_size(data) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=f"{_KIND_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{number:05d}{digest[:20]}",
            file_unique_id=f"AgAD{digest[20:32]}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
            width=width,
            height=height,
            duration=duration,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def __len__(self) -> int:
        return len(self._by_id)


def image_size(data: bytes) -> tuple[int, int]:
    """Read width and height of a PNG, GIF or JPEG; (0, 0) when not recognised.

    Used to fill PhotoSize objects and to refuse non-images like Telegram does.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    return 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk JPEG segments until a start-of-frame marker carrying the dimensions."""
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return 0, 0
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return 0, 0


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG header (enough for size sniffing) used for photos sent by fake users."""
    header = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">II5B", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + b"\x00\x00\x00\x00"
    return header + chunk + b"\x00\x00\x00\x00IEND\xaeB`\x82"
