"""A coordinator is made with a one-time link from the command line."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.services.invites import create_invite
from storage.models import UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.steps import user_row


async def new_invite(linli: RunningBot, clock: ManualClock, hours: int = 72) -> str:
    async with linli.app.session_factory() as session:
        issued = await create_invite(
            session, role=UserRole.COORDINATOR, ttl=timedelta(hours=hours), clock=clock
        )
        await session.commit()
    return issued.code


async def test_invite_link_makes_a_coordinator(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    code = await new_invite(linli, clock)
    zhang = telegram.user(3001, first_name="Zhang", language_code="zh-hans")
    await zhang.send_command("/start", code)
    assert any("您现在的身份是社区工作人员" in m.text for m in zhang.messages)
    assert "您同意吗？" in zhang.last.text  # no question of role: the invite gave it
    await zhang.tap("✅ 我同意")
    await zhang.send_text("张主任")
    await zhang.tap_reply("⏭ 跳过")  # no place is defined yet: registered at once
    assert "您已登记为社区工作人员" in zhang.last.text
    row = await user_row(linli, 3001)
    assert row is not None and row.role == UserRole.COORDINATOR


async def test_used_expired_and_forged_invites_are_refused_kindly(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    code = await new_invite(linli, clock)
    first = telegram.user(3002, first_name="First", language_code="en")
    await first.send_command("/start", code)

    second = telegram.user(3003, first_name="Second", language_code="en")
    await second.send_command("/start", code)
    assert any("already been used" in m.text for m in second.messages)
    assert "Do you need some help" in second.last.text  # and can still register normally

    late = await new_invite(linli, clock, hours=1)
    clock.advance(timedelta(hours=2))
    third = telegram.user(3004, first_name="Third", language_code="en")
    await third.send_command("/start", late)
    assert any("has expired" in m.text for m in third.messages)

    forger = telegram.user(3005, first_name="Forger", language_code="en")
    await forger.send_command("/start", "coordinator")
    await forger.send_command("/start", "x" * 64)
    assert sum("link is not valid" in m.text for m in forger.messages) == 2

    for telegram_id in (3003, 3004, 3005):
        row = await user_row(linli, telegram_id)
        assert row is not None and row.role is None


async def test_create_invite_command_prints_a_working_link(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock, database_url: str
) -> None:
    """`linli admin create-invite` against the same database and the fake Telegram."""
    import asyncio
    import os
    import sys

    env = {
        **os.environ,
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "DATABASE_URL": database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "admin",
        "create-invite",
        "--role",
        "coordinator",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    lines = dict(
        line.split(":", 1)
        for line in out.decode().splitlines()
        if line[:1].isalpha() and ":" in line
    )
    link = lines["link"].strip()
    code = lines["code"].strip()
    assert link == f"https://t.me/{telegram.bot_user['username']}?start={code}"

    person = telegram.user(3006, first_name="Wu", language_code="en")
    await person.send_command("/start", code)
    assert any("you are now a coordinator" in m.text for m in person.messages)
