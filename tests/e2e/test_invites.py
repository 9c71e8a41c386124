"""A coordinator is made with a one-time link from the command line."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.services.invites import create_invite, hash_code
from storage.models import Invite, User, UserRole
from storage.repositories import invites as invite_queries
from tests.e2e.harness import RunningBot
from tests.e2e.steps import user_row
from tests.people import make_person


async def new_invite(
    linli: RunningBot, clock: ManualClock, hours: int = 72, role: UserRole = UserRole.COORDINATOR
) -> str:
    async with linli.app.session_factory() as session:
        issued = await create_invite(session, role=role, ttl=timedelta(hours=hours), clock=clock)
        await session.commit()
    return issued.code


async def invite_row(linli: RunningBot, code: str) -> Invite:
    async with linli.app.session_factory() as session:
        invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    assert invite is not None
    return invite


@pytest.mark.postgresql
async def test_invite_link_makes_a_coordinator(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    code = await new_invite(linli, clock)
    zhang = telegram.user(3001, first_name="Zhang", language_code="zh-hans")
    await zhang.send_command("/start", code)
    assert any("您现在的身份是社区工作人员" in m.text for m in zhang.messages)
    assert "您同意吗？" in zhang.last.text  # no question of role: the invite gave it
    await zhang.tap("✍️ 同意，用别的称呼")
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


async def test_expiry_is_checked_by_the_update_that_uses_the_invite(
    linli: RunningBot, clock: ManualClock
) -> None:
    """No check-then-use: an invite read while valid cannot be used once it has expired."""
    code = await new_invite(linli, clock, hours=1)
    invite = await invite_row(linli, code)
    async with linli.app.session_factory() as session:
        person = await make_person(session, clock, 3001, UserRole.VOLUNTEER)
        late = clock.now() + timedelta(hours=1)
        assert not await invite_queries.mark_used(session, invite.id, person.id, late)
        just_in_time = late - timedelta(seconds=1)
        assert await invite_queries.mark_used(session, invite.id, person.id, just_in_time)
        await session.rollback()
    assert (await invite_row(linli, code)).used_at is None


async def test_a_coordinator_who_opens_a_volunteer_link_stays_a_coordinator(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    async with linli.app.session_factory() as session:
        await make_person(session, clock, 3010, UserRole.COORDINATOR, name="Lin")
        await session.commit()
    lin = telegram.user(3010, first_name="Lin", language_code="en")
    code = await new_invite(linli, clock, role=UserRole.VOLUNTEER)
    await lin.send_command("/start", code)
    assert any("You are a coordinator already, and you stay one" in m.text for m in lin.messages)
    assert "Welcome back, Lin" in lin.last.text
    row = await user_row(linli, 3010)
    assert row is not None and row.role is UserRole.COORDINATOR
    assert (await invite_row(linli, code)).used_at is None  # still there for its volunteer

    tao = telegram.user(3011, first_name="Tao", language_code="en")
    await tao.send_command("/start", code)
    assert any("you are now a volunteer" in m.text for m in tao.messages)


async def test_an_invite_sent_in_a_group_is_refused_and_stays_unused(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    code = await new_invite(linli, clock)
    telegram.user(3020, first_name="Zhou", language_code="en")
    group = telegram.group(-100_3020, "Neighbours", members=[3020])
    await group.as_user(3020).send_command("/start", code, mention=True)
    hint = await group.wait_for_message(lambda m: "private chat" in m.text)
    assert "Invitations work only there" in hint.text
    assert (await invite_row(linli, code)).used_at is None
    row = await user_row(linli, 3020)
    assert row is None or row.role is None

    zhou = telegram.users[3020]
    await zhou.send_command("/start", code)  # in private it works
    assert any("you are now a coordinator" in m.text for m in zhou.messages)


async def committed_role(linli: RunningBot, telegram_id: int) -> User:
    """The person's row once their role is committed (a reply may arrive before the commit)."""
    async with asyncio.timeout(10):
        while True:
            row = await user_row(linli, telegram_id)
            if row is not None and row.role is not None:
                return row
            await asyncio.sleep(0.05)


@pytest.mark.postgresql
async def test_two_people_open_the_same_invite_at_once_and_one_wins(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    running = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        handle_as_tasks=True,
        database_url=database_url,
        default_locale="en",
    )
    await running.start()
    try:
        code = await new_invite(running, clock)
        people = [telegram.user(i, first_name=f"P{i}", language_code="en") for i in (3030, 3031)]
        for person in people:  # both queued before the bot polls again
            await person.send_command("/start", code, wait=False)
        outcomes = ("you are now a coordinator", "already been used")

        def answered() -> bool | None:
            return (
                all(any(o in m.text for m in p.messages for o in outcomes) for p in people) or None
            )

        await telegram.state.feed.wait_for(answered, 30)
        won = [p for p in people if any(outcomes[0] in m.text for m in p.messages)]
        lost = [p for p in people if any(outcomes[1] in m.text for m in p.messages)]
        assert (len(won), len(lost)) == (1, 1)
        winner = await committed_role(running, won[0].user_id)
        assert winner.role is UserRole.COORDINATOR
        loser = await user_row(running, lost[0].user_id)
        assert loser is None or loser.role is None
        assert (await invite_row(running, code)).used_by_id == winner.id
    finally:
        await running.stop()
