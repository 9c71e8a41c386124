"""Conversations: a broadcast's final report names who could not be reached and why (blocked
the bot, never started it, deleted their Telegram account), so the coordinator can call or
visit them; it is posted once, and the progress message that comes first is the only one."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.delivery.broadcast_monitor import BroadcastMonitor
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from storage.models import Broadcast, User, UserRole
from tests.e2e.community import person
from tests.e2e.harness import RunningBot
from tests.e2e.test_broadcasts import coordinator, wait_for, write_notice

ANN, BO, CY, DI = 931, 932, 933, 934


async def neighbours(linli: RunningBot, telegram: FakeBotAPI) -> dict[int, ChatUser]:
    names = {ANN: "Ann Lee", BO: "Bo Chen", CY: "Cy Wu", DI: "Di Ma"}
    for telegram_id, name in names.items():
        await person(linli, telegram, telegram_id, UserRole.RESIDENT, name=name)
    return {telegram_id: telegram.users[telegram_id] for telegram_id in names}


def reports(lin: ChatUser) -> list[str]:
    return [m.text for m in lin.messages if "Final report" in m.text]


async def send_to_everyone(linli: RunningBot, lin: ChatUser, text: str) -> str:
    """The coordinator broadcasts `text`; returns the final report, once it is in."""
    before = len(reports(lin))
    await write_notice(lin, text)
    await lin.tap("Send now")
    await lin.tap("Yes, send it")
    progress = lin.last
    assert "Sending broadcast" in progress.text
    await wait_for(lambda: len(reports(lin)) > before)
    await linli.outbox_drained()
    # the monitor looks again (as every second): nothing more is posted
    monitor: BroadcastMonitor = linli.app.dispatcher["broadcast_monitor"]
    assert await monitor.check() == 0
    await linli.outbox_drained()
    assert len(reports(lin)) == before + 1
    closed = lin.message(progress.message_id)
    assert "report is below" in closed.text and closed.buttons == []
    # one progress message per broadcast, each closed: no "Stop sending" left anywhere
    assert not [m for m in lin.messages if "Sending broadcast" in m.text]
    assert len([m for m in lin.messages if "report is below" in m.text]) == before + 1
    return reports(lin)[-1]


async def test_the_report_names_who_was_not_reached_and_why(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lin = await coordinator(linli, telegram)
    await neighbours(linli, telegram)
    telegram.block(BO)  # blocked the bot
    telegram.never_started(CY)  # enrolled by a coordinator, never pressed Start
    telegram.delete_account(DI)  # deleted her Telegram account

    report = await send_to_everyone(linli, lin, "The lift is repaired.")
    assert "Sent: 2" in report and "Total: 5" in report  # Lin too: "everyone"
    assert "Could not be reached" in report
    assert "Blocked the bot: Bo Chen" in report
    assert "Never started the bot" in report and "Cy Wu" in report
    assert "Telegram account deleted: Di Ma" in report
    assert "Ann Lee" not in report
    assert telegram.users[ANN].last.text == "The lift is repaired."

    # the next broadcast skips them (known unreachable) and still says why
    report = await send_to_everyone(linli, lin, "Water is off on Monday.")
    assert "Sent: 2" in report
    assert "Blocked the bot: Bo Chen" in report and "Telegram account deleted: Di Ma" in report
    assert "Cy Wu" in report
    async with linli.app.session_factory() as session:
        marked = await session.scalar(
            select(func.count()).select_from(User).where(User.unreachable_at.is_not(None))
        )
        assert marked == 3
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 2


async def test_in_simplified_chinese_the_report_lists_names_with_the_chinese_comma(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lin = await coordinator(linli, telegram, "zh-hans")
    await neighbours(linli, telegram)
    telegram.block(BO)
    telegram.block(CY)
    await lin.send_command("/broadcast")
    await lin.send_text("电梯修好了。")
    await lin.tap("➡️ 不用，继续")
    await lin.tap("➡️ 不是，只是通知")
    await lin.tap("所有人")
    await lin.tap("📤 立即发送")
    await lin.tap("✅ 是的，发送")
    await wait_for(lambda: any("最终报告：" in m.text for m in lin.messages))
    report = next(m.text for m in lin.messages if "最终报告：" in m.text)
    assert "没能联系上" in report
    assert "屏蔽了机器人：Bo Chen、Cy Wu" in report
