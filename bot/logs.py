"""Logging: one line per event, `key=value` pairs, never a phone number or an address."""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "time=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"


def setup_logging(level: str) -> None:
    """Database errors carry no statement parameters (see `storage.db.create_engine`)."""
    logging.basicConfig(level=level, stream=sys.stderr, format=LOG_FORMAT, force=True)
    # aiogram logs every handled update at INFO; keep that for DEBUG runs.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(quiet)
    logging.getLogger("alembic").setLevel(quiet)  # we log the revision reached ourselves
