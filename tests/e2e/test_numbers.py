"""/numbers, as coordinators read it: this week's figures in words and a chart, the month's at
a tap, the spreadsheet opened and checked, a street's coordinator counting both of its
communities and a community's coordinator only their own; residents and volunteers kindly
told it is for coordinators. The weekly numbers arrive in the coordinators' group once, at the
day and hour a coordinator chose, after time travel."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from bot.scheduling.scheduler import Scheduler
from bot.services import claims, communities, households, numbers
from bot.services.requests import RequestDraft, submit_request
from bot.services.review import approve_request
from bot.views import numbers as number_views
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    Community,
    CommunityLevel,
    Pairing,
    RequestCategory,
    User,
    UserRole,
    Visit,
    VisitCadence,
    VisitKind,
    VisitOutcome,
    VisitStatus,
    Wish,
    WishKind,
    WishStatus,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot

LIN, EVA, SAM, TAO, MEI, BO = 900, 901, 902, 903, 904, 905  # coordinators of main, east, street
WEDNESDAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
XLSX = "📥 Spreadsheet (XLSX)"
CSV = "📄 Table (CSV)"
MONTH = "📅 This month"
DIGEST = "🗓 Weekly numbers to the group"
REFUSAL = "The numbers are for coordinators."


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(WEDNESDAY)
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def _request(
    linli: RunningBot, resident: User, coordinator: User, category: RequestCategory
) -> int:
    async with linli.app.session_factory() as session:
        resident = await session.get(User, resident.id)
        coordinator = await session.get(User, coordinator.id)
        request = await submit_request(
            session,
            resident,
            RequestDraft(category=category, description="Rice"),
            clock=linli.clock,
        )
        await approve_request(session, coordinator, request.id, request.version, clock=linli.clock)
        await session.commit()
        return request.id


async def _claim(linli: RunningBot, volunteer: User, request_id: int, minutes: int | None) -> None:
    async with linli.app.session_factory() as session:
        volunteer = await session.get(User, volunteer.id)
        await claims.claim_task(
            session, volunteer, request_id, clock=linli.clock, max_open_claims=5
        )
        if minutes is not None:
            linli.clock.advance(timedelta(hours=1))  # done 1 h 30 min after it was asked
            await claims.complete_task(session, volunteer, request_id, minutes, clock=linli.clock)
        await session.commit()


async def _checkins(linli: RunningBot, resident: User, community_id: int, answers: str) -> None:
    """One check-in sent per letter: a (answered), e (escalated, nobody answered)."""
    now = linli.clock.now()
    async with linli.app.session_factory() as session:
        plan = CheckinPlan(
            resident_id=resident.id, community_id=community_id, status=CheckinPlanStatus.ACTIVE,
            times=["09:00"], weekdays=list(range(7)), created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(plan)
        await session.flush()
        for day, answer in enumerate(answers):
            sent = now - timedelta(hours=day + 1)
            session.add(
                Checkin(
                    plan_id=plan.id, resident_id=resident.id, scheduled_at=sent,
                    local_date=sent.date(), sent_at=sent,
                    status=CheckinStatus.FINE if answer == "a" else CheckinStatus.ESCALATED,
                    answered_at=sent + timedelta(minutes=5) if answer == "a" else None,
                    escalated_at=sent + timedelta(hours=1) if answer == "e" else None,
                )
            )  # fmt: skip
        await session.commit()


async def _visits(
    linli: RunningBot, volunteer: User, resident: User, community_id: int, wellbeing: list[int]
) -> None:
    now = linli.clock.now()
    async with linli.app.session_factory() as session:
        pairing = Pairing(
            volunteer_id=volunteer.id, resident_id=resident.id, community_id=community_id,
            cadence=VisitCadence.WEEKLY, weekday=0, local_time="10:00", created_at=now,
        )  # fmt: skip
        session.add(pairing)
        await session.flush()
        for hours, score in enumerate(wellbeing, 1):
            at = now - timedelta(hours=hours)
            session.add(
                Visit(
                    pairing_id=pairing.id, resident_id=resident.id, volunteer_id=volunteer.id,
                    kind=VisitKind.VISIT, scheduled_at=at, status=VisitStatus.LOGGED,
                    outcome=VisitOutcome.DONE, wellbeing=score, minutes=60, logged_at=at,
                    created_at=at,
                )
            )  # fmt: skip
        await session.commit()


async def a_week_of_work(linli: RunningBot, telegram: FakeBotAPI) -> int:
    """In the main community: four requests (one done in 1 h 30 min with 45 minutes given,
    one taken, two waiting), three check-ins (two answered, one passed on), two visits of an
    hour (wellbeing 3 and 4). In East Lane: two requests and a check-in, never Lin's."""
    east = await second_community(linli)
    lin = await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin")
    eva = await person(linli, telegram, EVA, UserRole.COORDINATOR, name="Eva", community_id=east)
    tao = await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao")
    mei = await person(linli, telegram, MEI, UserRole.RESIDENT, name="Mei")
    bo = await person(linli, telegram, BO, UserRole.RESIDENT, name="Bo", community_id=east)
    done = await _request(linli, mei, lin, RequestCategory.SHOPPING)
    taken = await _request(linli, mei, lin, RequestCategory.SHOPPING)
    await _request(linli, mei, lin, RequestCategory.MEALS)
    await _request(linli, mei, lin, RequestCategory.MEALS)
    for _twice in range(2):
        await _request(linli, bo, eva, RequestCategory.PAPERWORK)
    linli.clock.advance(timedelta(minutes=30))  # both are taken half an hour after
    await _claim(linli, tao, taken, None)
    await _claim(linli, tao, done, 45)
    await _checkins(linli, mei, communities.FIRST_COMMUNITY_ID, "aae")
    await _checkins(linli, bo, east, "e")
    await _visits(linli, tao, mei, communities.FIRST_COMMUNITY_ID, [3, 4])
    await _wishes(linli, mei, lit=True)
    await _wishes(linli, bo, lit=False)  # East Lane's
    return east


async def _wishes(linli: RunningBot, resident: User, *, lit: bool) -> None:
    """A small wish of the resident's household, posted now (and lit at once, if `lit`)."""
    async with linli.app.session_factory() as session:
        person_row = await session.get(User, resident.id)
        assert person_row is not None
        home = await households.household_of(session, person_row, now=linli.clock.now())
        now = linli.clock.now()
        session.add(
            Wish(
                community_id=home.community_id, household_id=home.id, kind=WishKind.ITEM,
                description="A warm coat", status=WishStatus.LIT if lit else WishStatus.OPEN,
                created_at=now, updated_at=now, lit_at=now if lit else None,
            )
        )  # fmt: skip
        await session.commit()


def _png(message: ChatMessage) -> Image.Image:
    assert message.photo and message.file_bytes is not None
    assert message.file_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(message.file_bytes))
    image.load()
    return image


def _not_blank(image: Image.Image) -> bool:
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    return len(colours) > 50


async def _numbers_for(user: ChatUser) -> tuple[ChatMessage, ChatMessage]:
    await user.send_command("/numbers")
    summary = await user.wait_for_message(lambda m: "Numbers:" in m.text)
    chart = next(m for m in reversed(user.messages) if m.photo)
    return chart, summary


async def test_a_coordinator_reads_this_weeks_numbers_and_opens_the_spreadsheet(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await a_week_of_work(community, telegram)
    lin = telegram.user(LIN, "Lin", "en")
    chart, summary = await _numbers_for(lin)

    text = summary.text
    assert "This week" in text and "Communities: Community" in text
    assert "Requests made: 4 (done: 1)" in text
    assert "Median time to be taken: 30 min (2 taken)" in text
    assert "to be done: 1 h 30 min (1 done)" in text
    assert "Check-ins sent: 3, answered: 2, passed on to the chain: 1" in text
    assert "Visits and calls made: 2, wellbeing on average 3.5 of 4" in text
    assert "Time volunteers gave: 2.8 h" in text  # 45 minutes and two visits of an hour
    assert "Small wishes: posted 1, lit by a neighbour 1, received 0" in text  # not East's
    assert "East Lane" not in text
    image = _png(chart)
    assert image.size == (1100, 1500) and _not_blank(image)  # eight panels, two by two
    assert len(chart.file_bytes or b"") > 20_000

    # the data fed to the chart
    async with community.app.session_factory() as session:
        me = await session.scalar(select(User).where(User.telegram_id == LIN))
        report = await numbers.report(
            session, community.settings, me, numbers.PeriodKind.WEEK, community.clock
        )
    i18n = community.app.dispatcher["i18n"]
    with i18n.context(), i18n.use_locale("zh_Hans"):
        picture = number_views.picture(report)
    requests_panel, timing, checkins, visits, hours, concerns, wishes, survey = picture.panels
    assert requests_panel.labels == ["送餐做饭", "买菜跑腿"]  # type: ignore[union-attr]
    assert [sum(v) for _n, v in requests_panel.series] == [2, 1, 1]  # type: ignore[union-attr]
    assert timing.series == [("", [30.0, 90.0])]  # type: ignore[union-attr]
    assert checkins.series == [("", [3.0, 2.0, 1.0])]  # type: ignore[union-attr]
    assert visits.values == [3.5]  # type: ignore[union-attr]
    assert hours.series == [("", [0.8, 2.0])]  # type: ignore[union-attr]
    assert concerns.series == [("", [0.0, 0.0, 0.0, 0.0])]  # type: ignore[union-attr]
    assert wishes.series == [("", [1.0, 1.0, 0.0])]  # type: ignore[union-attr]
    assert survey.labels == []  # type: ignore[union-attr]  # no survey round this week

    await lin.tap(XLSX)
    sheet = await lin.wait_for_message(lambda m: m.document is not None)
    assert sheet.document is not None and sheet.document["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(sheet.file_bytes or b""))
    assert book.sheetnames == [
        "Requests", "Time to help", "Check-ins", "Visits", "Volunteer hours", "Notices",
        "Concerns", "Small wishes", "Survey",
    ]  # fmt: skip
    assert list(book["Small wishes"].iter_rows(min_row=3, values_only=True)) == [
        ("Posted", 1), ("Lit by a neighbour", 1), ("Received", 0),
    ]  # fmt: skip
    requests = list(book["Requests"].iter_rows(min_row=3, values_only=True))
    assert sum(row[2] for row in requests) == 4
    assert ("🛒 Shopping and errands"[2:], "Done", 1) in requests
    assert list(book["Check-ins"].iter_rows(min_row=3, values_only=True)) == [(3, 2, 1)]
    minutes = {
        row[0]: row[1] for row in book["Volunteer hours"].iter_rows(min_row=3, values_only=True)
    }
    assert minutes == {"on tasks": 45, "on visits": 120}

    await lin.tap(CSV)
    table = await lin.wait_for_message(
        lambda m: (m.document or {}).get("file_name", "").endswith(".csv")
    )
    assert "Requests" in (table.file_bytes or b"").decode("utf-8-sig")

    await lin.tap(MONTH)
    month = await lin.wait_for_message(lambda m: "Numbers: This month" in m.text)
    assert "Requests made: 4 (done: 1)" in month.text


async def test_a_streets_coordinator_counts_both_communities_and_each_community_its_own(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    east = await a_week_of_work(community, telegram)
    async with community.app.session_factory() as session:
        street = await communities.add_community(
            session, name="North Street", slug="north", level=CommunityLevel.STREET,
            clock=community.clock,
        )  # fmt: skip
        for community_id in (communities.FIRST_COMMUNITY_ID, east):
            row = await session.get(Community, community_id)
            assert row is not None
            row.parent_id = street.id
        await session.commit()
        street_id = street.id
    await person(community, telegram, SAM, UserRole.COORDINATOR, name="Sam", community_id=street_id)

    _chart, summary = await _numbers_for(telegram.user(SAM, "Sam", "en"))
    assert "Communities: Community、East Lane" in summary.text or (
        "Communities: Community, East Lane" in summary.text
    )
    assert "Requests made: 6 (done: 1)" in summary.text
    assert "Check-ins sent: 4, answered: 2, passed on to the chain: 2" in summary.text

    _chart, summary = await _numbers_for(telegram.user(EVA, "Eva", "en"))
    assert "Communities: East Lane" in summary.text
    assert "Requests made: 2 (done: 0)" in summary.text
    assert "Check-ins sent: 1, answered: 0, passed on to the chain: 1" in summary.text
    assert "Visits and calls made: 0" in summary.text


async def test_residents_and_volunteers_are_told_kindly_the_numbers_are_for_coordinators(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await a_week_of_work(community, telegram)
    for someone in (MEI, TAO):
        user = telegram.user(someone, "Ann", "en")
        await user.send_command("/numbers")
        answer = await user.wait_for_message(lambda m: REFUSAL in m.text)
        assert not answer.photo
        assert not any(m.photo or m.document for m in user.messages)


async def _tick_at(linli: RunningBot, clock: ManualClock, moment: datetime, ticks: int) -> int:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    acted = await asyncio.gather(*(scheduler.tick() for _ in range(ticks)))
    await linli.outbox_drained()
    return sum(acted)


@pytest.mark.postgresql
async def test_the_weekly_numbers_reach_the_group_once_at_the_chosen_day_and_hour(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await a_week_of_work(community, telegram)
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[EVA])
    lin = telegram.user(LIN, "Lin", "en")
    await _numbers_for(lin)
    await lin.tap(DIGEST)
    await lin.wait_for_message(lambda m: "Which day should they come?" in m.text)
    await lin.tap("Fri")
    assert "At what time on Fri?" in lin.last.text  # the same message, asking on
    await lin.tap("09:00")
    assert "every Fri at 09:00" in lin.last.text and not lin.last.buttons

    friday_nine = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    await _tick_at(community, clock, friday_nine - timedelta(minutes=1), ticks=1)
    assert not any(m.photo for m in group.messages), "not before its hour"

    await _tick_at(community, clock, friday_nine + timedelta(minutes=1), ticks=2)
    photos = [m for m in group.messages if m.photo]
    files = [m for m in group.messages if m.document]
    assert len(photos) == 1 and len(files) == 1, "once, though two ticks ran together"
    assert "Weekly numbers" in photos[0].text and "Requests made: 4 (done: 1)" in photos[0].text
    assert _not_blank(_png(photos[0]))
    book = load_workbook(io.BytesIO(files[0].file_bytes or b""))
    assert sum(row[2] for row in book["Requests"].iter_rows(min_row=3, values_only=True)) == 4

    await _tick_at(community, clock, friday_nine + timedelta(hours=2), ticks=2)
    assert len([m for m in group.messages if m.photo]) == 1, "not twice"
    assert not any(m.photo for m in east_group.messages), "East Lane chose no weekly numbers"

    await _tick_at(community, clock, friday_nine + timedelta(days=7, minutes=1), ticks=1)
    assert len([m for m in group.messages if m.photo]) == 2, "and again the next Friday"

    await lin.tap(DIGEST)
    await lin.wait_for_message(lambda m: "Now: Every Fri at 09:00." in m.text)
    await lin.tap("🔕 Stop the weekly numbers")
    assert "The weekly numbers are stopped" in lin.last.text
    await _tick_at(community, clock, friday_nine + timedelta(days=14, minutes=1), ticks=1)
    assert len([m for m in group.messages if m.photo]) == 2, "stopped: no more"


async def test_a_community_whose_weekly_numbers_fail_holds_back_no_other_and_is_told(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """East Lane's weekly numbers fail three times: Main's still arrive at nine, East Lane's
    coordinators (and only they) are told once, at the third failure, and East Lane's come once
    it works again."""
    east = await second_community(community)
    lin = await person(community, telegram, LIN, UserRole.COORDINATOR, name="Lin")
    eva = await person(
        community, telegram, EVA, UserRole.COORDINATOR, name="Eva", community_id=east
    )
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[EVA])
    async with community.app.session_factory() as session:
        for coordinator in (lin, eva):
            await numbers.set_digest(
                session, community.app.settings, coordinator, weekday=4, hour=9, clock=clock
            )
        await session.commit()
    reading = numbers.report_for
    broken = True

    async def report_for(session: Any, settings: Any, node_id: int, *args: Any) -> Any:
        if broken and node_id == east:
            raise RuntimeError("the figures could not be read")
        return await reading(session, settings, node_id, *args)

    monkeypatch.setattr(numbers, "report_for", report_for)
    friday_nine = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
    told = "could not do the weekly numbers of a community"

    await _tick_at(community, clock, friday_nine + timedelta(minutes=1), ticks=1)
    assert len([m for m in group.messages if m.photo]) == 1, "Main's, despite East Lane"
    await _tick_at(community, clock, friday_nine + timedelta(minutes=3), ticks=1)  # 2nd try
    assert not any(told in m.text for m in east_group.messages), "not told before the third"
    await _tick_at(community, clock, friday_nine + timedelta(minutes=8), ticks=1)  # 3rd try
    assert any(told in m.text and "RuntimeError" in m.text for m in east_group.messages)
    assert not any(m.photo for m in east_group.messages)

    broken = False
    await _tick_at(community, clock, friday_nine + timedelta(minutes=20), ticks=1)
    assert not any(m.photo for m in east_group.messages), "waiting for its retry"
    await _tick_at(community, clock, friday_nine + timedelta(minutes=30), ticks=2)
    assert len([m for m in east_group.messages if m.photo]) == 1, "East Lane's, once"
    assert len([m for m in east_group.messages if told in m.text]) == 1, "told once"
    assert not any(told in m.text for m in group.messages), "never to Main's coordinators"
    assert len([m for m in group.messages if m.photo]) == 1, "Main's not again"
