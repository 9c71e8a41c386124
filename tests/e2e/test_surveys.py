"""Service evaluation, as people live it: a coordinator sets up a monthly survey for the
residents with /survey (and gets each question again when she types instead of tapping);
on the day and hour it goes out once to each resident, though two ticks ran together, and
never to another community's people; Mei answers every question in Simplified Chinese and
leaves a voice message, Hua in Traditional Chinese and leaves no comment, Bo never answers;
a double tap, an old button, a forged one and typed words change nothing. A week later the
round closes and the coordinators' group reads 2 of 3 answered and the averages, once; the
survey and the concerns raised show in /numbers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import SurveyTap
from bot.clock import ManualClock
from bot.delivery.notifier import Notifier
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.policy.notify import requests as notify_requests
from bot.scheduling.scheduler import Scheduler
from bot.services import claims, communities
from bot.services.households import join, open_household
from bot.services.requests import RequestDraft, submit_request
from bot.services.review import approve_request
from storage.models import (
    Concern,
    ConcernStatus,
    FollowUp,
    FollowUpKind,
    Household,
    RequestCategory,
    SurveyAnswer,
    SurveyInvite,
    User,
    UserRole,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot

LIN, EVA, MEI, HUA, BO, TAO, ZED = 910, 911, 912, 913, 914, 915, 916
WEDNESDAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TENTH_AT_TEN = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
AGAIN = "Here is the question again"


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(WEDNESDAY)
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def _tick_at(linli: RunningBot, clock: ManualClock, moment: datetime, ticks: int) -> None:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    await asyncio.gather(*(scheduler.tick() for _ in range(ticks)))
    await linli.outbox_drained()


async def _people(linli: RunningBot, telegram: FakeBotAPI) -> int:
    east = await second_community(linli)
    await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin")
    await person(linli, telegram, EVA, UserRole.COORDINATOR, name="Eva", community_id=east)
    await person(linli, telegram, MEI, UserRole.RESIDENT, name="梅", locale="zh_Hans")
    await person(linli, telegram, HUA, UserRole.RESIDENT, name="華", locale="zh_Hant")
    await person(linli, telegram, BO, UserRole.RESIDENT, name="Bo")
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao")
    await person(linli, telegram, ZED, UserRole.RESIDENT, name="Zed", community_id=east)
    return east


async def _set_up_monthly_survey(lin: ChatUser) -> None:
    await lin.send_command("/survey")
    await lin.wait_for_message(lambda m: "No survey is set up." in m.text)
    await lin.tap("📝 Set up a survey")
    await lin.wait_for_message(lambda m: "Who should the survey go to?" in m.text)
    await lin.send_text("residents please")  # typed where a tap is awaited
    again = await lin.wait_for_message(lambda m: "Who should the survey go to?" in m.text)
    assert AGAIN in again.text
    assert any("🏠 Residents" in label for row in again.buttons for label in row)
    await lin.tap("🏠 Residents", message_id=again.message_id)
    await lin.wait_for_message(lambda m: "How often?" in m.text)
    await lin.tap("🗓 Every month")
    await lin.wait_for_message(lambda m: "On which day of the month?" in m.text)
    await lin.send_sticker()
    day = await lin.wait_for_message(lambda m: "On which day of the month?" in m.text)
    assert AGAIN in day.text
    await lin.tap("10", message_id=day.message_id)
    await lin.wait_for_message(lambda m: "At what time on day 10?" in m.text)
    await lin.tap("10:00")
    chooser = await lin.wait_for_message(lambda m: "Which questions?" in m.text)
    labels = [label for row in chooser.buttons for label in row]
    assert "✅ How satisfied are you with the help you received?" in labels
    assert "⬜ Is it easy for you to ask for help?" in labels
    assert not any("volunteer" in label for label in labels)
    await lin.tap("✅ How satisfied are you")  # left out: two are too few
    await lin.tap("✔️ Done")
    assert "Please choose 3 to 5 questions" in (lin.callback_answers[-1].text or "")
    await lin.tap("⬜ How satisfied are you")  # and back in
    await lin.tap("✔️ Done")
    done = await lin.wait_for_message(lambda m: "The survey will go to residents" in m.text)
    assert "every month, on day 10 at 10:00" in done.text


async def _invite_ids(linli: RunningBot) -> dict[int, int]:
    async with linli.app.session_factory() as session:
        rows = await session.execute(
            select(User.telegram_id, SurveyInvite.id).join(User, User.id == SurveyInvite.user_id)
        )
        return {telegram_id: invite_id for telegram_id, invite_id in rows.all()}


async def _answers(linli: RunningBot) -> int:
    async with linli.app.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(SurveyAnswer)) or 0)


async def _a_concern_and_an_overdue_follow_up(linli: RunningBot) -> None:
    now = linli.clock.now()
    async with linli.app.session_factory() as session:
        household = Household(
            community_id=communities.FIRST_COMMUNITY_ID, code="A1", label="周伯伯家",
            created_at=now,
        )  # fmt: skip
        session.add(household)
        await session.flush()
        for status in (ConcernStatus.OPEN, ConcernStatus.CLOSED):
            session.add(
                Concern(
                    community_id=communities.FIRST_COMMUNITY_ID, description="His leg is swollen",
                    status=status, created_at=now, household_id=household.id,
                )
            )  # fmt: skip
        session.add(
            FollowUp(
                community_id=communities.FIRST_COMMUNITY_ID, household_id=household.id,
                kind=FollowUpKind.VISIT, due_at=now - timedelta(days=1), next_due_at=None,
                created_at=now,
            )
        )  # fmt: skip
        await session.commit()


@pytest.mark.postgresql
async def test_a_monthly_survey_goes_out_once_is_answered_and_reported(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await _people(community, telegram)
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[EVA])
    lin, mei, hua, bo = (telegram.user(i, "x", "en") for i in (LIN, MEI, HUA, BO))
    tao, zed = telegram.user(TAO, "Tao", "en"), telegram.user(ZED, "Zed", "en")

    await bo.send_command("/survey")
    await bo.wait_for_message(lambda m: "Surveys are set up by coordinators" in m.text)
    await _set_up_monthly_survey(lin)

    await _tick_at(community, clock, TENTH_AT_TEN - timedelta(minutes=1), ticks=1)
    assert not any("问题" in m.text for m in mei.messages), "not before its day and hour"

    await _tick_at(community, clock, TENTH_AT_TEN + timedelta(minutes=1), ticks=2)
    for resident in (mei, hua, bo):
        asked = [m for m in resident.messages if "quick questions" in m.text or "简单" in m.text
                 or "簡單" in m.text]  # fmt: skip
        assert len(asked) == 1, "once, though two ticks ran together"
    assert "几个简单的问题" in mei.last.text and "第 1 题，共 3 题" in mei.last.text
    assert "您对得到的帮助满意吗？" in mei.last.text
    assert "幾個簡單的問題" in hua.last.text
    assert "A few quick questions" in bo.last.text
    assert not any("quick questions" in m.text for m in tao.messages), "residents only"
    assert not any("quick questions" in m.text for m in zed.messages), "not East Lane's"
    assert len(await _invite_ids(community)) == 3
    await bo.send_text("hmm")  # typed, not tapped: the question again, with its buttons
    again = await bo.wait_for_message(lambda m: AGAIN in m.text and "Question 1 of 3" in m.text)
    assert "😊" in str(again.buttons)

    # Mei, in Simplified Chinese: 😊, then typed words (the question again), a double tap
    first = mei.last
    await mei.tap("😊")
    await mei.wait_for_message(lambda m: "第 2 题，共 3 题" in m.text)
    await mei.send_text("我觉得挺好")
    again = await mei.wait_for_message(lambda m: "第 2 题" in m.text and bool(m.buttons))
    assert "再问您一次" in again.text and "👍 是的，很明显" in str(again.buttons)
    data = SurveyTap(action="a", invite_id=(await _invite_ids(community))[MEI], step=0, value=1)
    await mei.press_data(data.pack(), first.message_id)  # the first question, tapped again
    assert "这题您已经回答过了" in (mei.callback_answers[-1].text or "")
    assert await _answers(community) == 1
    await mei.send_text("📋 我的求助")  # the menu works in the middle of the survey
    await mei.wait_for_message(lambda m: "求助" in m.text)
    await mei.tap("👍 是的，很明显", message_id=again.message_id)
    await mei.wait_for_message(lambda m: "第 3 题" in m.text)
    await mei.tap("👍 是的，很明显")
    await mei.wait_for_message(lambda m: "还有什么想告诉我们的吗" in m.text)
    await mei.send_text("好" * 4000)
    await mei.wait_for_message(lambda m: "内容有点多" in m.text)
    await mei.send_sticker()  # neither words nor a voice: the question again
    await mei.wait_for_message(lambda m: "还有什么想告诉我们的吗" in m.text and bool(m.buttons))
    await mei.send_voice()
    await mei.wait_for_message(lambda m: "您的话我们收到了" in m.text)

    # Hua, in Traditional Chinese, leaves no comment; Bo forges a press on Mei's survey
    await hua.tap("🙂")
    await hua.wait_for_message(lambda m: "第 2 題" in m.text)
    await hua.tap("🙂 有一點")
    await hua.wait_for_message(lambda m: "第 3 題" in m.text)
    await hua.tap("👍 是的，很明顯")
    await hua.wait_for_message(lambda m: "還有什麼想告訴我們的嗎" in m.text)
    await hua.tap("不用了，謝謝")
    await hua.wait_for_message(lambda m: "謝謝您的回答" in m.text)
    forged = SurveyTap(action="a", invite_id=(await _invite_ids(community))[MEI], step=2, value=1)
    await bo.press_data(forged.pack(), bo.last.message_id)
    assert "not for you" in (bo.callback_answers[-1].text or "")
    assert await _answers(community) == 6

    # a week later the round closes: one report, in the coordinators' group
    closes = TENTH_AT_TEN + timedelta(days=7, minutes=2)
    await _tick_at(community, clock, closes, ticks=2)
    reports = [m for m in group.messages if "The survey round has closed" in m.text]
    assert len(reports) == 1, "once, though two ticks ran together"
    report = reports[0].text
    assert "Answered: 2 of 3 (67%); not answered: 1" in report
    assert "Satisfied with the help: 4.5 of 5 (2 answers)" in report
    assert "Safer, less alone: 2.5 of 3 (2 answers)" in report
    assert "Would recommend us: 3 of 3 (2 answers)" in report
    assert "Voice messages left: 1" in report
    assert any(m.voice for m in group.messages), "Mei's voice message follows"
    assert not any("survey" in m.text.lower() for m in east_group.messages)
    await _tick_at(community, clock, closes + timedelta(hours=1), ticks=1)
    assert len([m for m in group.messages if "round has closed" in m.text]) == 1

    await bo.tap("😊")  # too late
    assert "This survey has closed" in (bo.callback_answers[-1].text or "")
    assert await _answers(community) == 6

    # /numbers: the survey and the concerns
    await _a_concern_and_an_overdue_follow_up(community)
    await lin.send_command("/numbers")
    await lin.wait_for_message(lambda m: "Numbers:" in m.text)
    await lin.tap("📅 This month")
    month = await lin.wait_for_message(lambda m: "Numbers: This month" in m.text)
    assert "Survey: 1 round(s), asked 3, answered 2 (67%)" in month.text
    assert "Satisfied with the help 4.5 of 5" in month.text
    assert "Concerns raised: 2 (looked into: 1, open: 1); follow-ups done: 0, overdue: 1" in (
        month.text
    )


async def test_a_residents_rating_after_the_help_lands_in_her_households_case_file(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """The one-tap rating after a finished service (服务评估), read in the case file."""
    await _people(community, telegram)
    async with community.app.session_factory() as session:
        people = {u.telegram_id: u for u in await session.scalars(select(User))}
        household = await open_household(
            session, community_id=communities.FIRST_COMMUNITY_ID, label="梅家",
            now=community.clock.now(), by=people[LIN],
        )  # fmt: skip
        await join(session, household, people[MEI], by=people[LIN])
        draft = RequestDraft(category=RequestCategory.SHOPPING, description="Rice")
        request = await submit_request(session, people[MEI], draft, clock=community.clock)
        await approve_request(
            session, people[LIN], request.id, request.version, clock=community.clock
        )
        await claims.claim_task(
            session, people[TAO], request.id, clock=community.clock, max_open_claims=3
        )
        await claims.complete_task(session, people[TAO], request.id, 30, clock=community.clock)
        notifier = Notifier(
            session, community.settings, community.clock, community.app.dispatcher["i18n"]
        )
        await notify_requests.task_done(notifier, request, people[TAO])  # as "done" tells her
        await session.commit()
        code = household.code
    mei, lin = telegram.user(MEI, "梅", "en"), telegram.user(LIN, "Lin", "en")
    await community.outbox_drained()
    asked = await mei.wait_for_message(lambda m: "🙂 4" in str(m.buttons))
    await mei.tap("🙂 4", message_id=asked.message_id)
    assert "⭐⭐⭐⭐" in mei.message(asked.message_id).text

    await lin.send_command(f"/household {code}")
    file = await lin.wait_for_message(lambda m: "梅家" in m.text and "Rated" in m.text)
    assert "⭐ Rated the help: ★★★★" in file.text and "★★★★★" not in file.text
