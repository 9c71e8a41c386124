"""Logs never hold a phone number or an address, also when the database refuses a write."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import LOG_FORMAT, JsonFormatter
from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import User

# On PostgreSQL too: each database words its refusals in its own way.
pytestmark = pytest.mark.postgresql

PHONE = "+8613912345678"
ADDRESS = "幸福小区 3栋 502"


async def _refused_insert(engine: AsyncEngine) -> IntegrityError:
    """Two people with the same Telegram id: the database refuses the second, with her phone
    and address among the values of the statement."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with engine.connect() as connection:
        for _ in range(2):
            try:
                await connection.execute(
                    User.__table__.insert().values(
                        telegram_id=4242,
                        phone=PHONE,
                        address=ADDRESS,
                        timezone="Asia/Shanghai",
                        created_at=now,
                        updated_at=now,
                    )
                )
            except IntegrityError as error:
                return error
    raise AssertionError("the duplicate was not refused")


def _log_line(error: BaseException, log_format: str = "text") -> str:
    """The error as `linli run` logs it: our format (LOG_FORMAT), with its traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(LOG_FORMAT))
    logger = logging.getLogger("linli.errors")
    logger.addHandler(handler)
    try:
        logger.error("update_failed error=%s", type(error).__name__, exc_info=error)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_database_error_in_the_log_holds_no_phone_or_address(
    engine: AsyncEngine, database_url: str, log_format: str
) -> None:
    logged = _log_line(await _refused_insert(engine), log_format)
    assert "IntegrityError" in logged
    assert PHONE not in logged and PHONE.lstrip("+") not in logged
    assert ADDRESS not in logged

    # The same error from an engine that shows its parameters would have leaked both.
    showing = create_engine(database_url, hide_parameters=False)
    try:
        await upgrade_database(showing)
        leaked = _log_line(await _refused_insert(showing), log_format)
    finally:
        await showing.dispose()
    assert PHONE in leaked and ADDRESS in leaked


def test_a_json_line_carries_the_pairs_extras_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("linli.outbox")
    logger.addHandler(handler)
    try:
        logger.warning("outbox_not_sent id=%d kind=%s", 7, "checkin.alert", extra={"worker": "s1"})
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("event=job_failed job=%s", "run_checkins")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "linli.outbox"
    assert first["message"] == "outbox_not_sent id=7 kind=checkin.alert"
    assert first["event"] == "outbox_not_sent" and first["id"] == "7"
    assert first["kind"] == "checkin.alert" and first["worker"] == "s1"
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["event"] == "job_failed" and second["job"] == "run_checkins"
    assert (
        second["exception"].startswith("Traceback") and "ValueError: broken" in second["exception"]
    )
