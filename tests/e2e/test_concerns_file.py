"""A household's case file read in chat: /household, its people, needs set by buttons, the
follow-ups it is owed, and a timeline in pages built from what linli recorded (a request and its
rating, check-ins, a visit, a concern, a follow-up done), newest first; and as a spreadsheet.
Every opening is audited; another community's coordinator, a resident or a forged button never
opens it, nor sees the card."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.services import checkins, visits
from bot.services.communities import add_community
from bot.services.households import join, open_household
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from storage.models import (
    AuditEvent,
    Checkin,
    CheckinStatus,
    Community,
    CommunityLevel,
    FollowUp,
    HelpRequest,
    NeedsAssessment,
    User,
    UserRole,
    VisitCadence,
    VisitOutcome,
    VisitStatus,
)
from tests.e2e.community import (
    EAST_COORDINATORS_CHAT,
    open_request,
    person,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has
from tests.e2e.test_concerns import LIN, MEI, NOTICED, cast, raise_in_english

ZHOU, TAO, EAST_KAI, SUN, ANN = 711, 712, 721, 731, 732
LAKE_CHAT = -100_500
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def zhou_at_home(linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock) -> int:
    """Mr Zhou (a resident) lives in household A1, 周伯伯家: a shopping request done and rated
    on the first day, then seven check-ins answered, one a day; returns the household's id."""
    zhou = await person(linli, telegram, ZHOU, UserRole.RESIDENT, name="Zhou Bo")
    async with linli.app.session_factory() as session:
        lin = await session.scalar(select(User).where(User.telegram_id == LIN))
        zhou_row = await session.get(User, zhou.id)
        assert lin is not None and zhou_row is not None
        household = await open_household(
            session, community_id=1, label="周伯伯家", now=clock.now(), by=lin
        )
        await join(session, household, zhou_row, by=lin)
        plan = await checkins.propose_plan(
            session, lin, zhou_row, times=["08:00"], quiet=QuietHours.parse("22:00-07:00"),
            clock=clock,
        )  # fmt: skip
        await checkins.agree_to_plan(session, zhou_row, plan.id, clock=clock)
        await session.commit()
        household_id, plan_id = household.id, plan.id
    async with linli.app.session_factory() as session:
        lin = await session.scalar(select(User).where(User.telegram_id == LIN))
        assert lin is not None
    request = await open_request(linli, zhou, lin, "Rice and medicine")
    tao = await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    async with linli.app.session_factory() as session:
        row = await session.get(HelpRequest, request.id)
        assert row is not None
        row.rating, row.rated_at = 5, START + timedelta(hours=3)
        lin = await session.scalar(select(User).where(User.telegram_id == LIN))
        _, visit = await visits.create_pairing(
            session, lin, resident_id=zhou.id, volunteer_id=tao.id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0), safety_code=None,
            settings=linli.settings, clock=clock,
        )  # fmt: skip
        visit.status, visit.outcome, visit.wellbeing = VisitStatus.LOGGED, VisitOutcome.DONE, 1
        visit.logged_at, visit.next_due_at = START + timedelta(days=7, hours=2), None
        for day in range(1, 8):
            answered = START + timedelta(days=day)
            session.add(
                Checkin(
                    plan_id=plan_id, resident_id=zhou.id, scheduled_at=answered,
                    local_date=date(2026, 3, 2 + day), status=CheckinStatus.FINE,
                    answered_at=answered, next_step=0,
                )
            )  # fmt: skip
        escalated = START + timedelta(days=7, hours=1)  # the 9th: no answer, then a visit
        session.add(
            Checkin(
                plan_id=plan_id, resident_id=zhou.id, scheduled_at=escalated,
                local_date=date(2026, 3, 9), status=CheckinStatus.ESCALATED,
                escalated_at=escalated, next_step=0,
            )
        )  # fmt: skip
        await session.commit()
    clock.set(START + timedelta(days=8))
    return household_id


async def openings(linli: RunningBot) -> int:
    async with linli.app.session_factory() as session:
        return int(
            await session.scalar(
                select(func.count()).where(AuditEvent.action == "household.file_opened")
            )
            or 0
        )


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_the_case_file_shows_people_needs_follow_ups_and_what_happened_in_pages(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    coordinators = await cast(community, telegram)
    household_id = await zhou_at_home(community, telegram, clock)
    await raise_in_english(telegram)  # a neighbour's concern about him
    card = await coordinators.wait_for_message(has("concern no. 1"))
    lin_in_group = coordinators.as_user(LIN)
    await lin_in_group.tap("🏠 Link to a household", message_id=card.message_id)
    await lin_in_group.tap("A1 · 周伯伯家", message_id=card.message_id)
    await lin_in_group.tap("🗓 Assign a follow-up", message_id=card.message_id)
    await lin_in_group.tap("📞 Call", message_id=card.message_id)
    await lin_in_group.tap("Gao Ming", message_id=card.message_id)
    await lin_in_group.tap("🗓 In 3 days", message_id=card.message_id)

    # from the card: the file, in Lin's own chat
    lin = telegram.users[LIN]
    await lin_in_group.tap("📁 Case file", message_id=card.message_id)
    assert "I sent you the case file" in (lin_in_group.callback_answers[-1].text or "")
    first = await lin.wait_for_message(has("Household A1 · 周伯伯家"))
    assert "Zhou Bo (resident)" in first.text
    assert "📞 Call by Fri 13 Mar: Gao Ming" in first.text
    assert "page 1 of 2" in first.text
    lines = [line for line in first.text.splitlines() if " · " in line and ":" in line[:12]]
    assert "A neighbour raised a concern (no. 1, open)" in lines[0] and NOTICED[:20] in lines[0]
    assert "9 Mar 19:00 · 🏠 Visit logged, wellbeing 1/4" in lines[1]
    assert "9 Mar 18:00 · 🚨 Check-in not answered" in lines[2]
    assert all("Check-in answered: fine" in line for line in lines[3:6])

    # the older page: the earliest check-ins, the rating, the request, in that order
    await lin.tap("➡️ Earlier", message_id=first.message_id)
    older = lin.message(first.message_id).text
    assert "page 2 of 2" in older
    check_in, rating, asked = (older.index(word) for word in ("Check-in", "Rated", "Asked"))
    assert check_in < rating < asked
    assert "★★★★★" in older and "Shopping" in older and "3 Mar 17:00" in older

    # the needs: buttons, and who to call typed
    await lin.tap("⬅️ Newer", message_id=first.message_id)
    await lin.tap("🩺 Edit needs", message_id=first.message_id)
    for button in ("Lives alone", "Lives alone", "walks with difficulty",
                   "低保 (minimum living allowance)", "Cantonese"):  # fmt: skip
        await lin.tap(button, message_id=first.message_id)
    needs = lin.message(first.message_id).text
    assert "Lives alone: yes" in needs and "Getting about: walks with difficulty" in needs
    assert "Low income: 低保" in needs and "Languages: Cantonese" in needs
    await lin.tap("☎️ Who to call", message_id=first.message_id)
    await lin.send_text("女儿")  # no phone: asked again
    assert "a name and then a phone number" in lin.last.text
    await lin.send_text("女儿 王芳 13900001111")
    assert "Saved" in lin.messages[-2].text
    assert "Who to call: 女儿 王芳" in lin.last.text
    async with community.app.session_factory() as session:
        row = await session.get(NeedsAssessment, household_id)
        assert row is not None and row.lives_alone and row.languages == ["yue"]
        assert row.contact_phone == "13900001111"

    # Mr Zhou's wife has no phone: she is in the file too
    await lin.tap("➕ Add someone without a phone", message_id=lin.last.message_id)
    await lin.send_sticker()
    assert "Please write the name in words" in lin.last.text
    await lin.send_text("周伯母，85岁")
    assert (
        "周伯母，85岁 (without a phone)" in lin.last.text and "Zhou Bo (resident)" in lin.last.text
    )

    # its name, as the coordinators call it
    await lin.tap("✏️ Rename the household", message_id=lin.last.message_id)
    await lin.send_text("z" * 200)
    assert "at most 128 characters" in lin.last.text
    await lin.send_text("周伯伯和周伯母家")
    assert "Household A1 · 周伯伯和周伯母家" in lin.last.text

    # the whole file as a spreadsheet, oldest first
    await lin.tap("📄 As a spreadsheet", message_id=lin.last.message_id)
    sheet = await lin.wait_for_message(lambda m: m.document is not None)
    assert sheet.file_bytes is not None and "as a spreadsheet" in sheet.text
    book = load_workbook(BytesIO(sheet.file_bytes))
    assert book.sheetnames == ["Household", "Needs", "Follow-ups", "What happened"]
    household_rows = [row for row in book["Household"].iter_rows(values_only=True)]
    assert (
        household_rows[0] == ("Household", "周伯伯和周伯母家") and ("Code", "A1") in household_rows
    )
    assert ("周伯母，85岁", "without a phone") in household_rows
    assert ("Lives alone", "yes") in list(book["Needs"].iter_rows(values_only=True))
    assert list(book["Follow-ups"].iter_rows(values_only=True))[1] == (
        "📞 Call", "Fri 13 Mar", "Gao Ming")  # fmt: skip
    happened = [what for _, what in book["What happened"].iter_rows(min_row=2, values_only=True)]
    assert len(happened) == 12 and happened[0].startswith("🙋 Asked for help: 🛒 Shopping")
    assert happened[1] == "⭐ Rated the help: ★★★★★" and "raised a concern" in happened[-1]

    # /household lists the community's households; every opening is audited
    before = await openings(community)
    await lin.send_command("/household")
    await lin.tap("A1 · 周伯伯和周伯母家")
    assert "Household A1" in lin.last.text
    await lin.send_command("/household A1")
    assert "Household A1" in lin.last.text
    assert await openings(community) == before + 2

    # the follow-up done from the file: the file as it is now, its buttons still there
    await lin.tap("✅ Done: 📞 Call", message_id=lin.last.message_id)
    assert "marked done" in (lin.callback_answers[-1].text or "")
    done = lin.last
    assert "Follow-up done: 📞 Call" in done.text and "• none" in done.text
    assert ["🩺 Edit needs"] in done.buttons
    await lin.press_data("fu:filedone:1", message_id=done.message_id)  # a double tap
    assert "already marked done" in (lin.callback_answers[-1].text or "")


async def test_nobody_else_opens_the_file_or_sees_the_card(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    coordinators = await cast(community, telegram)
    household_id = await zhou_at_home(community, telegram, clock)
    east = await second_community(community)
    await person(community, telegram, EAST_KAI, UserRole.COORDINATOR, name="Kai Easton",
                 community_id=east)  # fmt: skip
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[EAST_KAI])
    await raise_in_english(telegram)
    await coordinators.wait_for_message(has("concern no. 1"))
    await community.outbox_drained()
    assert not [m for m in east_group.messages if "concern" in m.text]

    kai = telegram.users[EAST_KAI]
    await kai.send_command("/household")
    assert "There is no household yet" in kai.last.text  # none of West's
    await kai.send_command("/household A1")
    assert "周伯伯家" not in kai.last.text
    for forged in (f"hf:open:{household_id}:", f"hf:set:{household_id}:alone.yes",
                   f"hf:needs:{household_id}:", "cc:close:1:1:", "cc:link:1:1:",
                   "cc:file:1:1:", "fu:done:1"):  # fmt: skip
        await kai.press_data(forged, message_id=kai.last.message_id)
        answer = kai.callback_answers[-1].text or ""
        kind = ("Only the coordinators", "not for you", "no longer active")
        assert any(words in answer for words in kind), (forged, answer)
    for who in (MEI, ZHOU):  # residents: the same
        chat = telegram.users[who]
        await chat.send_command("/household")
        assert "Only the coordinators" in chat.last.text
        await chat.send_command("/help")
        await chat.press_data(f"hf:open:{household_id}:", message_id=chat.last.message_id)
        assert "Only the coordinators" in (chat.callback_answers[-1].text or "")
    assert not [m for m in kai.messages if "周伯伯家" in m.text or NOTICED in m.text]
    async with community.app.session_factory() as session:
        assert await session.get(NeedsAssessment, household_id) is None


async def test_a_street_coordinator_acts_on_the_concerns_and_files_of_its_communities(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """Lakeside is under Luohu street: Sun, the street's coordinator, acts on its card and opens
    its files; Lin (the first community's) sees neither, and her button for Lakeside's
    follow-up is not hers."""
    await cast(community, telegram)
    async with community.app.session_factory() as session:
        await add_community(
            session, name="Luohu Street", slug="luohu", level=CommunityLevel.STREET, clock=clock
        )
        lake = await add_community(
            session, name="Lakeside", slug="lake", parent_slug="luohu", clock=clock,
            coordinator_chat_id=LAKE_CHAT,
        )  # fmt: skip
        street = await session.scalar(select(Community).where(Community.slug == "luohu"))
        await session.commit()
        lake_id, street_id = lake.id, street.id  # type: ignore[union-attr]
    await person(community, telegram, SUN, UserRole.COORDINATOR, name="Sun Street",
                 community_id=street_id)  # fmt: skip
    await person(community, telegram, ANN, UserRole.RESIDENT, name="Ann Lakeside",
                 community_id=lake_id, area="Lake block 1")  # fmt: skip
    lake_group = telegram.group(LAKE_CHAT, "Lakeside coordinators", members=[SUN])
    ann = telegram.users[ANN]
    await ann.send_command("/concern")
    await ann.send_text("The lady by the lake has not collected her post for a week")
    await ann.tap("📍 Lake block 1")
    await ann.tap("⏭ Skip")
    await ann.send_text("Granny Lu")
    await ann.tap("🔕 No need")
    await ann.tap("✅ Send to the coordinators")
    card = await lake_group.wait_for_message(has("concern no. 1"))
    sun = lake_group.as_user(SUN)
    await sun.tap("➕ Open a new household", message_id=card.message_id)
    await sun.tap("🗓 Assign a follow-up", message_id=card.message_id)
    await sun.tap("📞 Call", message_id=card.message_id)
    await sun.tap("🙋 Me", message_id=card.message_id)
    await sun.tap("🗓 In a week", message_id=card.message_id)
    assert "Household: A1 · Granny Lu" in lake_group.message(card.message_id).text

    sun_chat = telegram.users[SUN]
    await sun_chat.send_command("/household A1")
    assert "Household A1 · Granny Lu" in sun_chat.last.text

    lin = telegram.users[LIN]
    await lin.send_command("/household")
    assert "Granny Lu" not in lin.last.text
    await lin.press_data("fu:done:1", message_id=lin.last.message_id)
    assert "not for you" in (lin.callback_answers[-1].text or "")
    async with community.app.session_factory() as session:
        follow_up = await session.get(FollowUp, 1)
        assert follow_up is not None and follow_up.done_at is None
