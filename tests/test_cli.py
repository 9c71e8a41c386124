"""The `linli` command as a person runs it: bad settings, migrations, help."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.emulator.server import FakeBotAPI
from storage.migrate import head_revision


def _command() -> list[str]:
    script = Path(sys.executable).with_name("linli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def linli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "REDIS"))}
    env["DATA_DIR"] = str(tmp_path / "data")
    return env


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN: does not look like a token"),
        ({"BOT_TOKEN": "1:abc", "DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"BOT_TOKEN": "1:abc", "DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE"),
        ({"BOT_TOKEN": "1:abc", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"BOT_TOKEN": "1:abc", "TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"BOT_TOKEN": "1:abc", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_settings_stop_with_one_line_and_exit_2(
    clean_env: dict[str, str], tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    result = linli("run", env={**clean_env, **settings}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing was created


def test_settings_come_from_a_dotenv_file(clean_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=oops\n", encoding="utf-8")
    result = linli("run", env=clean_env, cwd=tmp_path)
    assert result.returncode == 2 and "BOT_TOKEN: does not look like a token" in result.stderr


def test_db_upgrade_creates_the_sqlite_default(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = linli("db", "upgrade", env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"database is at revision {head_revision()}" in result.stdout
    assert (tmp_path / "data" / "linli.sqlite3").exists()


def test_help_lists_the_commands(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = linli("--help", env=clean_env, cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "db", "admin"):
        assert command in result.stdout


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_api_url_stops_run_with_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **clean_env,
        "BOT_TOKEN": "123:abc",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{_closed_port()}",
    }
    result = linli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_API_URL: cannot reach" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # stopped before opening the database


async def test_a_token_telegram_refuses_stops_run_with_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    telegram = FakeBotAPI()
    await telegram.start()
    try:
        env = {**clean_env, "BOT_TOKEN": "123:not-the-token", "TELEGRAM_API_URL": telegram.base_url}
        process = await asyncio.create_subprocess_exec(
            *_command(), "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        await telegram.stop()
    stderr = err.decode()
    assert process.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "BOT_TOKEN" in lines[0] and "401 Unauthorized" in lines[0]
    assert "not-the-token" not in stderr  # the token itself is never printed
    assert [c.method for c in telegram.calls] == []  # refused before any method ran
    assert not (tmp_path / "data").exists()
