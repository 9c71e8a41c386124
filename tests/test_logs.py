"""Logs never hold a phone number or an address, also when the database refuses a write."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import LOG_FORMAT
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


def _log_line(error: BaseException) -> str:
    """The error as `linli run` logs it: our format, with its traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger = logging.getLogger("linli.errors")
    logger.addHandler(handler)
    try:
        logger.error("update_failed error=%s", type(error).__name__, exc_info=error)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


async def test_a_database_error_in_the_log_holds_no_phone_or_address(
    engine: AsyncEngine, database_url: str
) -> None:
    logged = _log_line(await _refused_insert(engine))
    assert "IntegrityError" in logged
    assert PHONE not in logged and PHONE.lstrip("+") not in logged
    assert ADDRESS not in logged

    # The same error from an engine that shows its parameters would have leaked both.
    showing = create_engine(database_url, hide_parameters=False)
    try:
        await upgrade_database(showing)
        leaked = _log_line(await _refused_insert(showing))
    finally:
        await showing.dispose()
    assert PHONE in leaked and ADDRESS in leaked
