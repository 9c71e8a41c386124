"""The `linli` command as a person runs it: bad settings, migrations, help."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from bot.cli import main
from bot.emulator.server import FakeBotAPI
from storage.migrate import head_revision


def _command() -> list[str]:
    script = Path(sys.executable).with_name("linli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def linli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def linli_here(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`linli <args>` as `linli` would run it (the same `main`, environment, directory, output
    and exit code), in this process: for the tables of refusals, where a process each (a
    second of imports) cost more than the rest of the test. The command's own process, its
    exit code and its stderr, are tested by `linli` (each table keeps one row run that way)."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    levels = {name: logging.getLogger(name).level for name in ("", "aiogram.event", "alembic")}
    out, err = io.StringIO(), io.StringIO()
    old_cwd = Path.cwd()
    try:
        with (
            mock.patch.dict(os.environ, env, clear=True),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as stopped:  # argparse's refusals
                code = stopped.code if isinstance(stopped.code, int) else 2
    finally:
        os.chdir(old_cwd)
        root.handlers[:] = handlers  # setup_logging's basicConfig(force=True) replaced them
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


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
    run = linli if not settings else linli_here  # the first as a process of its own
    result = run("run", env={**clean_env, **settings}, cwd=tmp_path)
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
    for command in ("run", "db", "admin", "community"):
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


def _one_line_refusal(result: subprocess.CompletedProcess[str], named: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "Traceback" not in result.stderr


def test_communities_are_added_listed_and_changed(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A district, a street under it, the migration's first community renamed and put under
    the street, a second community: the list is the tree with each community's join link."""
    env = {**clean_env, "BOT_USERNAME": "linli_test_bot"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = linli_here("community", *args, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result

    run("add", "浦东新区", "--slug", "pudong", "--level", "district")
    run("add", "花木街道", "--slug", "huamu", "--level", "street", "--parent", "pudong",
        "--quiet-hours", "21:00-08:00", "--currency", "hkd")  # fmt: skip
    run("set", "main", "--name", "幸福里社区", "--parent", "huamu", "--phone", "+86 21 5888 0000")
    run("add", "East Lane", "--slug", "east", "--parent", "huamu", "--timezone", "Asia/Hong_Kong",
        "--coordinator-chat", "-1003", "--volunteer-chat", "-1004")  # fmt: skip
    listed = run("list").stdout.splitlines()
    tree = [line for line in listed if "[" in line]
    assert tree == [
        "浦东新区  [district, slug pudong]",
        "  花木街道  [street, slug huamu]",
        "    East Lane  [community, slug east]",
        "    幸福里社区  [community, slug main]",
    ]
    text = "\n".join(listed)
    assert "join link: https://t.me/linli_test_bot?start=c-east" in text
    assert "join link: https://t.me/linli_test_bot?start=c-main" in text
    assert "join link: https://t.me/linli_test_bot?start=c-huamu" not in text  # nobody lives there
    assert "quiet_hours=21:00-08:00" in text and "coordinator_chat_id=-1003" in text
    assert "currency=HKD" in text  # the street's, for its communities' funds

    run("set", "east", "--timezone", "", "--coordinator-chat", "")  # inherited again
    text = run("list").stdout
    assert "timezone=Asia/Hong_Kong" not in text and "coordinator_chat_id" not in text
    assert "volunteer_chat_id=-1004" in text


BAD_COMMUNITY_VALUES = [
    (("add", "X", "--slug", "Not A Slug"), "--slug 'Not A Slug'"),
    (("add", "X", "--slug", "main"), "already a community with this slug"),
    (("add", "X", "--slug", "x", "--timezone", "Mars/Olympus"), "--timezone 'Mars/Olympus'"),
    (("add", "X", "--slug", "x", "--quiet-hours", "late"), "--quiet-hours"),
    (("add", "X", "--slug", "x", "--emergency-numbers", "120"), "--emergency-numbers"),
    (("add", "X", "--slug", "x", "--coordinator-chat", "abc"), "--coordinator-chat"),
    (("add", "X", "--slug", "x", "--currency", "yuan"), "--currency 'YUAN'"),
    (("add", "X", "--slug", "x", "--parent", "main"), "--parent 'main' is a community"),
    (("add", "X", "--slug", "x", "--parent", "nowhere"), "--parent: no community"),
    (("set", "nowhere", "--name", "X"), "no community has the slug 'nowhere'"),
    (("set", "main", "--name", ""), "the name must have 1 to 64 characters"),
]


def test_bad_community_values_stop_with_one_line_and_exit_1(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """One database for all the refusals (one after another, as an operator types them): none
    of them changes anything. In this process: a refusal through a process of its own is
    test_an_invitation_is_for_a_community's."""
    for args, named in BAD_COMMUNITY_VALUES:
        _one_line_refusal(linli_here("community", *args, env=clean_env, cwd=tmp_path), named)
    listed = linli_here("community", "list", env=clean_env, cwd=tmp_path).stdout
    assert "Community  [community, slug main]" in listed.splitlines()  # not renamed
    assert "slug x]" not in listed  # nothing added


def test_an_invitation_is_for_a_community(clean_env: dict[str, str], tmp_path: Path) -> None:
    assert linli("community", "add", "Huamu", "--slug", "huamu", "--level", "street",
                 env=clean_env, cwd=tmp_path).returncode == 0  # fmt: skip
    first = linli("admin", "create-invite", env=clean_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "in:      Community (main, community)" in first.stdout  # the first, by default
    street = linli("admin", "create-invite", "--community", "huamu", env=clean_env, cwd=tmp_path)
    assert street.returncode == 0, street.stderr
    assert "in:      Huamu (huamu, street)" in street.stdout

    volunteer = ("admin", "create-invite", "--role", "volunteer", "--community", "huamu")
    _one_line_refusal(linli(*volunteer, env=clean_env, cwd=tmp_path), "a volunteer belongs")
    unknown = ("admin", "create-invite", "--community", "nowhere")
    _one_line_refusal(linli(*unknown, env=clean_env, cwd=tmp_path), "no community has the slug")

    database = tmp_path / "data" / "linli.sqlite3"
    with sqlite3.connect(database) as db:
        communities = db.execute(
            "SELECT communities.slug FROM invites JOIN communities "
            "ON communities.id = invites.community_id ORDER BY invites.id"
        ).fetchall()
    assert communities == [("main",), ("huamu",)]
