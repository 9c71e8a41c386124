"""The real `linli run` process against the fake Telegram, as a person would start it."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.emulator.server import FakeBotAPI
from tests.e2e import processes


async def test_linli_run_answers_start_and_stops_cleanly(
    telegram: FakeBotAPI, tmp_path: Path
) -> None:
    process = await processes.start_linli(
        telegram, tmp_path, stdout=asyncio.subprocess.PIPE, DEFAULT_LOCALE="zh_Hant"
    )
    try:
        mei = telegram.user(5001, first_name="Mei", language_code="de")
        await mei.send_command("/start", wait=False)
        reply = await mei.wait_for_message(timeout=90)
        assert "您是需要幫助，還是想做義工？" in reply.text  # DEFAULT_LOCALE for a German phone
        assert (tmp_path / "data" / "linli.sqlite3").exists()  # the embedded default

        # The bot handles updates concurrently here, as in production: wait for each answer.
        steps = [
            (mei.tap("🙋 我需要幫助", wait=False), "🔒"),
            (mei.tap("✅ 同意，稱呼我 Mei", wait=False), "電話號碼"),
            (mei.tap_reply("📱 提供我的電話號碼", wait=False), "詳細地址"),  # no place defined
            (mei.send_text("9座 3樓 A室", wait=False), "登記成功"),
        ]
        for action, expected in steps:
            await action
            reply = await mei.wait_for_message(lambda m, e=expected: e in m.text, timeout=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-2000:]
    logs = err.decode()
    assert "Start polling" in logs or "starting" in logs
    phone = mei.phone_number.lstrip("+")
    assert phone not in logs.replace(" ", "") and "9座" not in logs  # no phone, no address
