"""Logging: one line per event, `key=value` pairs, never a phone number or an address.

With LOG_FORMAT=json each line is one JSON object (time, level, logger, message, and the
`key=value` pairs of the message and any `extra=` fields as their own keys), for a log shipper
that should not have to parse our text."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

LOG_FORMAT = "time=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"
_PAIR = re.compile(r"(?:^|\s)([a-z_][a-z0-9_]*)=(\S+)")
_EVENT = re.compile(r"^([a-z][a-z0-9_]*)(?:\s|$)")
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_OWN_KEYS = ("time", "level", "logger", "message")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        first_line = message.split("\n", 1)[0]
        event = _EVENT.match(first_line)
        if event:
            entry["event"] = event.group(1)
        for key, value in _PAIR.findall(first_line):
            entry.setdefault(key, value)
        for key, value in vars(record).items():  # logger.info(..., extra={...})
            if key not in _RECORD_FIELDS and key not in _OWN_KEYS:
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, log_format: str = "text") -> None:
    """Database errors carry no statement parameters (see `storage.db.create_engine`)."""
    logging.basicConfig(level=level, stream=sys.stderr, format=LOG_FORMAT, force=True)
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # aiogram logs every handled update at INFO; keep that for DEBUG runs.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(quiet)
    logging.getLogger("alembic").setLevel(quiet)  # we log the revision reached ourselves
