"""`linli run --webhook --workers 4` on PostgreSQL and Redis, as a real process: every worker
takes a share of Telegram's POSTs, each person's quick successive updates are answered in
order, and no update is handled twice."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import func, select

from bot.emulator.server import FakeBotAPI
from storage.db import create_engine, create_session_factory
from storage.models import User
from tests.databases import PostgresDatabases
from tests.e2e import processes
from tests.e2e.test_redis import ON_REDIS, REDIS_URL, _redis_or_skip
from tests.e2e.test_webhook_crash import wait_until
from tests.e2e.webhook_harness import PATH, SECRET, free_listener

GREETING = "Do you need some help, or would you like to volunteer?"
PEOPLE = range(3001, 3021)
WORKERS = 4
TOKEN = "424242:WORKERS-TEST"  # its own Redis keys (fsm:424242:...)

pytestmark = ON_REDIS


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    with postgres_databases.database() as url:
        yield url


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(TOKEN) as api:
        yield api


@pytest.fixture
async def clean_redis() -> AsyncIterator[None]:
    client = await _redis_or_skip()

    async def clear() -> None:
        for key in await client.keys("fsm:424242:*"):  # type: ignore[attr-defined]
            await client.delete(key)  # type: ignore[attr-defined]

    await clear()
    yield
    await clear()
    await client.aclose()  # type: ignore[attr-defined]


async def count_rows(database_url: str) -> Counter[int]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(User.telegram_id, func.count()).group_by(User.telegram_id)
            )
            return Counter({telegram_id: n for telegram_id, n in rows.all()})
    finally:
        await engine.dispose()


def read(log: Path) -> str:
    return log.read_text()


async def start_workers(
    telegram: FakeBotAPI, database_url: str, tmp_path: Path, err: BinaryIO
) -> asyncio.subprocess.Process:
    """`linli run --webhook --workers 4`, returned once every worker set the webhook."""
    listener = free_listener()
    port = listener.getsockname()[1]
    listener.close()
    process = await processes.start_linli(
        telegram,
        tmp_path,
        "--webhook",
        "--workers",
        str(WORKERS),
        stderr=err,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="DEBUG",  # the workers say which update each took
        WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}",
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        WEBHOOK_SECRET=SECRET,
    )
    await telegram.wait_until(lambda: len(telegram.calls_to("setWebhook")) == WORKERS, 120)
    return process


async def stop_workers(process: asyncio.subprocess.Process, log: Path) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), timeout=60)
    logs = read(log)
    assert process.returncode == 0, logs[-3000:]
    return logs


async def test_four_workers_answer_in_order_nothing_twice_and_a_killed_worker_loses_nothing(
    telegram: FakeBotAPI, postgres_url: str, clean_redis: None, tmp_path: Path
) -> None:
    """One deployment (four processes start slowly, so both stories share it): each person's
    two quick updates are answered in order and once, by workers that all take a share; then
    the update a worker held when it was killed is sent again, handled once by a living
    worker, and the dead worker is started again."""
    log = tmp_path / "linli.log"
    mei = telegram.user(3100, first_name="Mei", language_code="en")
    with log.open("wb") as err:
        process = await start_workers(telegram, postgres_url, tmp_path, err)
        try:
            people = [telegram.user(n, first_name=f"P{n}", language_code="en") for n in PEOPLE]
            sent = []
            for person in people:  # each person: two updates at once, nobody waits
                sent.append(await person.send_command("/start", wait=False))
                sent.append(await person.send_command("/help", wait=False))
            for update in sent:
                await telegram.wait_processed(update["update_id"], timeout=60)
            deliveries = telegram.webhook.deliveries

            hold = telegram.delay("sendMessage", 120, chat_id=mei.id)  # her reply is held
            start = await mei.send_command("/start", wait=False)
            await wait_until(lambda: hold not in telegram.faults.delays, 30, "the reply held")
            received = f"webhook_update_received update_id={start['update_id']} worker="
            worker = read(log).split(received, 1)[1][0]
            pid = re.findall(rf"worker_started worker={worker} pid=(\d+)", read(log))[-1]
            os.kill(int(pid), signal.SIGKILL)

            await telegram.wait_processed(start["update_id"], timeout=60)
            await mei.tap("🙋 I need help", wait=False)
            await mei.wait_for_message(lambda m: "🔒" in m.text, timeout=30)
            await wait_until(
                lambda: read(log).count(f"path={PATH} worker={worker}") == 2,  # listening
                30,
                "the dead worker started again",
            )
        finally:
            logs = await stop_workers(process, log)

    for person in people:
        texts = [m.text for m in person.messages]
        assert GREETING in texts[0], texts  # /start answered first, then /help
        assert len(texts) == 2, texts
    assert telegram.duplicate_texts() == {}
    sent_ids = Counter(str(u["update_id"]) for u in sent)
    accepted = re.findall(r"webhook_update_accepted update_id=(\d+) worker=(\d)", logs)
    assert Counter(u for u, _ in accepted if u in sent_ids) == sent_ids  # each accepted once
    assert {worker for _, worker in accepted} == {str(n) for n in range(1, WORKERS + 1)}
    assert deliveries == len(sent)  # none had to be sent again

    assert len([m for m in mei.messages if GREETING in m.text]) == 1
    assert await count_rows(postgres_url) == Counter(dict.fromkeys([*PEOPLE, mei.id], 1))
    assert f"worker_died worker={worker} pid={pid} code=-9" in logs
