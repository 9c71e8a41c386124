"""Numbers to watch: /metrics and /healthz of a running bot (WATCH_LISTEN), read over HTTP as
Prometheus and a load balancer would, while a resident talks to it through the fake Telegram."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from bot.delivery.outbox import Priority, enqueue_message
from bot.emulator.server import FakeBotAPI
from tests.databases import _execute, postgres_admin_url
from tests.e2e import processes
from tests.e2e.community import running_community
from tests.e2e.harness import RunningBot
from tests.e2e.steps import labels_of
from tests.e2e.test_checkin_day import ALERT_LABEL, MORNING, WANG, at, enrol, people
from tests.e2e.test_redis import ON_REDIS, REDIS_URL, _redis_or_skip

MAX_OUTBOX_AGE = 120.0
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def watched(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        database_url=database_url,
        default_locale="en",
        watch_listen="127.0.0.1:0",
        watch_max_outbox_age_seconds=MAX_OUTBOX_AGE,
    )
    await running.start()
    yield running
    await running.stop()


def watch_url(linli: RunningBot) -> str:
    return str(linli.app.dispatcher["watch"].url)


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def scrape(linli: RunningBot) -> Samples:
    status, text = await get(watch_url(linli) + "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def health(linli: RunningBot) -> tuple[int, dict[str, Any]]:
    status, text = await get(watch_url(linli) + "/healthz")
    return status, json.loads(text)


async def scrape_until(
    linli: RunningBot,
    condition: Callable[[Samples], bool],
    timeout: float = 10.0,  # noqa: ASYNC109
) -> Samples:
    """Scrape until `condition` holds (a counter moves a moment after the chat shows why)."""
    async with asyncio.timeout(timeout):
        while True:
            samples = await scrape(linli)
            if condition(samples):
                return samples
            await asyncio.sleep(0.02)


async def health_until(linli: RunningBot, status: int) -> tuple[int, dict[str, Any]]:
    async with asyncio.timeout(10):
        while True:
            answer = await health(linli)
            if answer[0] == status:
                return answer
            await asyncio.sleep(0.05)


async def queue_notice(linli: RunningBot, chat_id: int, text: str) -> None:
    """A message queued the way the scheduler and the notices queue theirs."""
    async with linli.app.session_factory() as session:
        await enqueue_message(
            session,
            chat_id=chat_id,
            text=text,
            kind="test.notice",
            priority=Priority.NOTICE,
            clock=linli.clock,
        )
        await session.commit()
    linli.app.dispatcher["outbox"].wake()


async def test_metrics_count_a_residents_updates_their_time_and_the_sends(
    watched: RunningBot, telegram: FakeBotAPI
) -> None:
    before = await scrape(watched)
    mei = telegram.user(7001, first_name="Mei", language_code="en")
    await mei.send_command("/start")
    await mei.tap(labels_of(mei)["help"])

    after = await scrape(watched)
    handled = "linli_updates_total"
    for kind in ("message", "callback_query"):
        grown = value(after, handled, type=kind, outcome="handled") - value(
            before, handled, type=kind, outcome="handled"
        )
        assert grown == 1, kind
        assert value(after, "linli_update_handling_seconds_count", type=kind) == 1
        assert value(after, "linli_update_handling_seconds_sum", type=kind) > 0
        assert value(after, "linli_update_handling_seconds_bucket", type=kind, le="+Inf") == 1

    await queue_notice(watched, mei.user_id, "The water is off on Tuesday.")
    await mei.wait_for_message(lambda m: "water is off" in m.text)
    sent = await scrape_until(
        watched, lambda s: value(s, "linli_outbox_sends_total", result="sent") >= 1
    )
    assert value(sent, "linli_outbox_sends_total", result="sent") == 1
    assert value(sent, "linli_outbox_depth", status="pending") == 0
    assert ("linli_scheduler_lag_seconds", frozenset()) in sent
    assert ("linli_checkins_escalated_total", frozenset()) in sent


async def test_a_message_held_back_shows_in_the_depth_and_fails_health_once_too_old(
    watched: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    status, body = await health(watched)
    assert status == 200 and body["status"] == "ok" and body["problems"] == []
    assert body["database"]["ok"] and body["outbox"]["oldest_waiting_seconds"] is None

    sender = watched.app.dispatcher["outbox"]
    await sender.stop()  # the sender paused: what is queued waits
    mei = telegram.user(7002, first_name="Mei", language_code="en")
    await queue_notice(watched, mei.user_id, "The lift is being repaired.")
    samples = await scrape(watched)
    assert value(samples, "linli_outbox_depth", status="pending") == 1
    status, body = await health(watched)
    assert status == 200 and body["outbox"]["depth"]["pending"] == 1

    clock.advance(timedelta(seconds=MAX_OUTBOX_AGE + 30))
    status, body = await health(watched)
    assert status == 503 and body["status"] == "unhealthy"
    assert body["problems"] == [
        f"outbox oldest waiting message {MAX_OUTBOX_AGE + 30:.0f}s exceeds {MAX_OUTBOX_AGE:g}s"
    ]
    samples = await scrape(watched)
    assert value(samples, "linli_outbox_oldest_waiting_seconds") == MAX_OUTBOX_AGE + 30

    sender.start()  # sending again: the message goes, and the bot is healthy again
    await mei.wait_for_message(lambda m: "lift" in m.text)
    await watched.outbox_drained()
    status, body = await health(watched)
    assert status == 200, body


@pytest.mark.postgresql
async def test_health_says_503_and_why_when_the_database_is_gone(
    watched: RunningBot, backend: str, database_url: str
) -> None:
    assert (await health(watched))[0] == 200
    if backend == "sqlite":
        path = Path(make_url(database_url).database or "")
        moved = path.with_name(path.name + ".moved")
        await asyncio.to_thread(path.rename, moved)  # the file gone from where the bot opens it
    else:
        name = make_url(database_url).database
        await _execute(postgres_admin_url(), f'DROP DATABASE "{name}" WITH (FORCE)')
    try:
        status, body = await health(watched)
        assert status == 503 and body["status"] == "unhealthy"
        assert not body["database"]["ok"]
        assert body["problems"][0].startswith("database unreachable: ")
        expected = "unable to open database file" if backend == "sqlite" else "does not exist"
        assert expected in body["problems"][0]
    finally:
        if backend == "sqlite":
            await asyncio.to_thread(moved.rename, path)
    if backend == "sqlite":
        assert (await health(watched))[0] == 200


async def test_linli_run_logs_json_lines_and_serves_health(
    telegram: FakeBotAPI, tmp_path: Path
) -> None:
    """The real program with LOG_FORMAT=json and WATCH_LISTEN: every log line is one JSON
    object; the address it listens on is in one of them, and /healthz answers there."""
    process = await processes.start_linli(
        telegram, tmp_path, stdout=None, LOG_FORMAT="json", WATCH_LISTEN="127.0.0.1:0"
    )
    assert process.stderr is not None
    lines: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(90):
            while not any(line.get("event") == "watch_listening" for line in lines):
                raw = await process.stderr.readline()
                assert raw, "linli run ended before it listened"
                lines.append(json.loads(raw))
        url = next(line["url"] for line in lines if line.get("event") == "watch_listening")
        status, text = await get(url + "/healthz")
        assert status == 200 and json.loads(text)["database"]["ok"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
    lines += [json.loads(raw) for raw in rest.splitlines() if raw]
    starting = next(line for line in lines if line.get("event") == "starting")
    assert starting["logger"] == "linli.cli" and starting["level"] == "INFO"
    assert starting["database"] == "sqlite" and "time" in starting


async def test_an_unanswered_check_in_counts_once_as_escalated(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """Mrs Wang does not answer: at 10:00 her volunteer is alerted (escalated: counted), at
    11:00 her daughter (the same check-in: not counted again)."""
    clock.set(MORNING)
    async with running_community(
        telegram, database_url, clock, watch_listen="127.0.0.1:0"
    ) as linli:
        await people(linli)
        await enrol(linli, WANG, "Mrs Wang", volunteer=True, daughter=True)
        escalated = "linli_checkins_escalated_total"
        for hour, minute in ((9, 0), (9, 30)):
            await at(linli, clock, hour, minute)
            assert value(await scrape(linli), escalated) == 0
        await at(linli, clock, 10)
        await telegram.users[701].wait_for_message(lambda m: ALERT_LABEL in m.text)
        assert value(await scrape(linli), escalated) == 1
        await at(linli, clock, 11)
        assert value(await scrape(linli), escalated) == 1


async def test_health_says_503_while_the_scheduler_is_stuck(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """A tick that hangs (a job waiting on something that never comes): the lag grows past
    WATCH_MAX_SCHEDULER_LAG_SECONDS and /healthz says so; once it moves on, all is well."""
    linli = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        database_url=database_url,
        scheduler_interval_seconds=0.2,
        watch_listen="127.0.0.1:0",
        watch_max_scheduler_lag_seconds=0.5,
    )
    await linli.start()
    try:
        released = asyncio.Event()
        entered = asyncio.Event()

        async def stuck(_notifier: Any) -> int:
            entered.set()
            await released.wait()
            return 0

        linli.app.dispatcher["scheduler"].jobs.append(stuck)
        await asyncio.wait_for(entered.wait(), 10)
        status, body = await health_until(linli, 503)
        assert status == 503 and len(body["problems"]) == 1
        assert body["problems"][0].startswith("scheduler lag ")
        assert body["problems"][0].endswith("s exceeds 0.5s")
        assert body["scheduler"]["lag_seconds"] > 0.5
        assert value(await scrape(linli), "linli_scheduler_lag_seconds") > 0.5
        released.set()
        linli.app.dispatcher["scheduler"].jobs.remove(stuck)
        await health_until(linli, 200)
    finally:
        await linli.stop()


@ON_REDIS
async def test_health_asks_redis_when_it_is_configured(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """With REDIS_URL the answer says whether Redis answers; one that does not is a 503."""
    client: Any = await _redis_or_skip()
    await client.aclose()
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    for redis_url, expected in ((REDIS_URL, 200), (f"redis://127.0.0.1:{dead_port}/0", 503)):
        linli = RunningBot(
            telegram,
            telegram.base_url,
            clock,
            database_url=database_url,
            redis_url=redis_url,
            watch_listen="127.0.0.1:0",
        )
        await linli.start()
        try:
            status, body = await health(linli)
        finally:
            await linli.stop()
        assert status == expected, body
        assert body["redis"]["ok"] is (expected == 200)
        if expected == 503:
            assert body["problems"] == [f"redis unreachable: {body['redis']['error']}"]
            assert "Connect" in body["redis"]["error"]


async def test_an_address_in_use_stops_the_bot_with_one_line(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        linli = RunningBot(
            telegram,
            telegram.base_url,
            clock,
            database_url=database_url,
            watch_listen=f"127.0.0.1:{port}",
        )
        with pytest.raises(ConfigError, match=f"WATCH_LISTEN: cannot listen on 127.0.0.1:{port}"):
            await linli.start()
        await linli.app.close()


def test_a_watch_address_without_a_port_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"^WATCH_LISTEN: write the address as host:port"):
        load_settings(_env_file=None, watch_listen="9100")
    assert load_settings(_env_file=None).watch_listen == ""  # off by default


async def test_an_update_whose_handling_fails_is_counted_as_an_error(
    watched: RunningBot, telegram: FakeBotAPI
) -> None:
    mei = telegram.user(7003, first_name="Mei", language_code="en")
    await mei.send_command("/start")
    telegram.inject("sendMessage", error=500, description="Internal Server Error", chat_id=7003)
    await mei.tap(labels_of(mei)["help"])  # its next question cannot be sent
    assert any("something went wrong" in reply.text for reply in mei.replies)
    samples = await scrape(watched)
    assert value(samples, "linli_updates_total", type="callback_query", outcome="error") == 1
    assert value(samples, "linli_updates_total", type="callback_query", outcome="handled") == 0
    assert value(samples, "linli_update_handling_seconds_count", type="callback_query") == 1
