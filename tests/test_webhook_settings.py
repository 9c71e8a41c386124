"""`linli run --webhook` and `--workers` with settings that cannot work: one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import clean_env, linli, linli_here  # noqa: F401 - clean_env is a fixture

TOKEN = {"BOT_TOKEN": "1:abc"}
HOOK = {**TOKEN, "WEBHOOK_URL": "https://bot.example.org/updates", "WEBHOOK_SECRET": "s3cret"}


@pytest.mark.parametrize(
    ("args", "settings", "named"),
    [
        (["--webhook"], TOKEN, "WEBHOOK_URL is not set"),
        (["--webhook"], {**HOOK, "WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET is not set"),
        (["--webhook"], {**HOOK, "WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET: 1 to 256"),
        (["--webhook"], {**HOOK, "WEBHOOK_LISTEN": "8443"}, "WEBHOOK_LISTEN: write the address"),
        (["--workers", "2"], HOOK, "--workers above 1 needs --webhook"),
        (["--webhook", "--workers", "2"], HOOK, "--workers above 1 needs REDIS_URL"),
        (
            ["--webhook", "--workers", "2"],
            {**HOOK, "REDIS_URL": "redis://127.0.0.1:6379/0"},
            "needs DATABASE_URL on PostgreSQL",
        ),
    ],
)
def test_webhook_settings_that_cannot_work_stop_with_one_line(
    clean_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    args: list[str],
    settings: dict[str, str],
    named: str,
) -> None:
    env = {k: v for k, v in clean_env.items() if not k.startswith("WEBHOOK_")}
    run = linli if named == "WEBHOOK_URL is not set" else linli_here  # the first: a process
    result = run("run", *args, env={**env, **settings}, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert not (tmp_path / "data").exists()


def test_workers_share_the_database_connections_out() -> None:
    """Four workers of a deployment allowed 50 connections ask PostgreSQL for 48, not 200
    (its max_connections is 100 by default)."""
    from bot.config import Settings
    from bot.workers import connections_per_worker

    settings = Settings(bot_token="1:abc", database_connections=50)
    assert [connections_per_worker(settings, n) for n in (1, 4, 40)] == [50, 12, 2]
