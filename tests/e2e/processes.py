"""A real `linli run` in a process of its own, against the fake Telegram: for what only a real
process shows (a SIGKILL, a restart, the log it writes, several workers)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import IO, Any

from bot.emulator.server import FakeBotAPI


async def start_linli(
    telegram: FakeBotAPI,
    workdir: Path,
    *arguments: str,
    stdout: int | IO[Any] | None = asyncio.subprocess.DEVNULL,
    stderr: int | IO[Any] | None = asyncio.subprocess.PIPE,
    **settings: str,
) -> asyncio.subprocess.Process:
    """`linli run <arguments>` in `workdir`, its data in `workdir/data`, with `settings`
    (DEFAULT_LOCALE en and LOG_LEVEL INFO unless given; SQLite unless DATABASE_URL is)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
            "DATA_DIR": str(workdir / "data"),
            "DEFAULT_LOCALE": "en",
            "LOG_LEVEL": "INFO",
            **settings,
        }
    )
    linli = Path(sys.executable).with_name("linli")  # the installed console script
    command = [str(linli)] if linli.exists() else [sys.executable, "-m", "bot"]
    return await asyncio.create_subprocess_exec(
        *command, "run", *arguments, env=env, cwd=workdir, stdout=stdout, stderr=stderr
    )
