"""`linli demo` as a person starts it: no token, a page on 127.0.0.1, the real bot answering."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.demo.personas import RESIDENT
from bot.emulator.client import EmulatorClient

START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def read_url(stream: asyncio.StreamReader) -> str:
    """The address the demo prints, e.g. "... open http://127.0.0.1:8080/ in your browser"."""
    while True:
        line = (await stream.readline()).decode()
        assert line, "linli demo ended without printing its address"
        if "http://" in line:
            return next(word for word in line.split() if word.startswith("http://"))


async def test_linli_demo_serves_the_page_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CI": "true", "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "INFO"}
    for name in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "REDIS_URL"):
        env.pop(name, None)
    linli = Path(sys.executable).with_name("linli")  # the installed console script
    command = [str(linli)] if linli.exists() else [sys.executable, "-m", "bot"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "demo",
        "--port",
        str(port),
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = await asyncio.wait_for(read_url(process.stdout), timeout=START_TIMEOUT)
        assert url == f"http://127.0.0.1:{port}/"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert "/ui/app.js" in await response.text()

        base = url.rstrip("/")
        async with EmulatorClient(base) as emulator:
            result = await emulator.act(RESIDENT.telegram_id, "send_command", command="start")
            replies = result["replies"]
            assert replies, "the bot did not answer /start"
            assert "🙋 我需要帮助" in [b for m in replies for row in m["buttons"] for b in row]

            plus_hour = f"{base}/_emulator/ui/controls/plus_hour"
            async with aiohttp.ClientSession() as http, http.post(plus_hour) as response:
                status = (await response.json())["status"]
            assert status["clock"].endswith("(+1h)")

            reset = f"{base}/_emulator/ui/controls/reset"
            async with aiohttp.ClientSession() as http, http.post(reset) as response:
                status = (await response.json())["status"]
            assert "(+" not in status["clock"]  # back to the real time
            assert await emulator.messages(RESIDENT.telegram_id) == []
            result = await emulator.act(RESIDENT.telegram_id, "send_command", command="start")
            assert result["replies"], "the restarted bot did not answer"

        assert (tmp_path / "data" / "demo" / "demo.sqlite3").exists()
        assert not (tmp_path / "data" / "linli.sqlite3").exists()  # the real one is untouched
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-3000:]
