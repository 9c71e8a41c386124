"""Places: what anyone but a task's holder and the coordinators learns of where someone lives is
a place the coordinators defined, never what a person typed.

The long story: three residents register in their own language (a place tapped, the exact
address typed once), ask for help, are approved, posted to the volunteers' group and listed in
/tasks; one volunteer claims and finishes each of two requests, the third stays open; a paired
visit is reminded the day before and an hour before; a missed check-in is walked up its chain.
Then every message the bot sent to anyone is scanned for each resident's planted address, flat
and phone: each reached only that resident, the claimer of her request or visit, and the
coordinators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import PlaceAction
from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins, visits
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from bot.views.words import dialable
from storage.models import (
    AuditEvent,
    ContactKind,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
    User,
    UserRole,
    VisitCadence,
)
from tests.e2e.community import COORDINATORS_CHAT, VOLUNTEERS_CHAT, person, running_community
from tests.e2e.harness import RunningBot
from tests.e2e.privacy import leaks_of, shown
from tests.e2e.steps import agree_as_myself, agree_to_register, user_row
from tests.people import place_named

LIN, TAO, SAM = 800, 810, 811  # a coordinator; two volunteers
MORNING = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
VISIT_AT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
CLAIM = "🙌 I'll do it"
APPROVE = "✅ Approve and publish"
PLACES = ("Building 3", "Building 5", "Building 7")


@dataclass(frozen=True)
class Resident:
    """Someone who registers in her own language, with details nobody else may read."""

    telegram_id: int
    name: str
    language: str
    place: str
    street: str
    flat: str
    phone: str
    need: str

    @property
    def address(self) -> str:
        return f"{self.street} {self.flat}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The phone as the bot shows it (dialable: +86 138 1111 0001)."""
        return (self.address, self.street, self.flat, str(dialable(self.phone)))


MEI = Resident(801, "梅", "zh-hans", "Building 3", "幸福路八十八号", "3栋2单元502室",
               "13811110001", "帮我买一袋米")  # fmt: skip
WING = Resident(802, "詠", "zh-hant", "Building 5", "彌敦道三百號", "12樓B座1203室",
                "13822220002", "幫我修水龍頭")  # fmt: skip
ANN = Resident(803, "Ann", "en", "Building 7", "17 Maple Lane", "Flat 4D-407",
               "13833330003", "Someone to walk with me")  # fmt: skip


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(MORNING)
    async with running_community(telegram, database_url, clock) as running:
        yield running


def has(*texts: str):
    return lambda message: all(text in (message.text or "") for text in texts)


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    await scheduler.tick()


async def register(telegram: FakeBotAPI, resident: Resident) -> ChatUser:
    """Through the conversation: agreed as herself, phone typed, a place tapped: registered."""
    chat = telegram.user(
        resident.telegram_id, first_name=resident.name, language_code=resident.language
    )
    await agree_as_myself(chat)
    await chat.send_text(resident.phone)
    assert [f"📍 {name}" for name in PLACES] == [row[0] for row in chat.last.buttons[:3]]
    await chat.tap(f"📍 {resident.place}")
    assert chat.reply_keyboard  # the main menu: registered
    return chat


async def outbox_drained(linli: RunningBot) -> None:
    """Wait (up to 15 s) until nothing due waits in the outbox (each row sent, or given up)."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        async with linli.app.session_factory() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(waiting),
                    OutboxMessage.not_before <= linli.clock.now(),
                )
            )
        if not left:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{left} messages still waiting"
        await asyncio.sleep(0.05)


async def db_user(linli: RunningBot, telegram_id: int) -> User:
    row = await user_row(linli, telegram_id)
    assert row is not None
    return row


def label(linli: RunningBot, resident: Resident, msgid: str) -> str:
    """A button as the resident sees it, in her language."""
    i18n = linli.app.dispatcher["i18n"]
    locale = {"en": "en", "zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}[resident.language]
    return str(i18n.gettext(msgid, locale=locale))


async def ask(linli: RunningBot, chat: ChatUser, resident: Resident) -> None:
    """/request: a category, what (typed), as soon as possible; her place stands for her
    address on the summary, where she gives her exact address (kept as hers)."""
    await chat.send_command("/request")
    await chat.tap(label(linli, resident, "🛒 Shopping and errands"))
    await chat.send_text(resident.need)
    await chat.tap(label(linli, resident, "⚡ As soon as possible"))
    assert "🏠 " + resident.place in chat.last.text
    await chat.tap(label(linli, resident, "🏠 Change the address"))
    assert "🔒" not in chat.last.text
    await chat.send_text(resident.address)
    assert resident.address in chat.last.text  # her own summary
    await chat.tap(label(linli, resident, "✅ Send"))


def card_of(coordinators: GroupChat, need: str):
    return next(
        (m for m in coordinators.messages if need in m.text and [APPROVE] in m.buttons),
        None,
    )


async def approve(telegram: FakeBotAPI, coordinators: GroupChat, need: str) -> None:
    card = await telegram.wait_until(lambda: card_of(coordinators, need))
    await coordinators.as_user(LIN).tap(APPROVE, message_id=card.message_id)


async def test_planted_addresses_reach_only_the_resident_the_claimer_and_coordinators(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin", area=None)
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao", area=None)
    await person(linli, telegram, SAM, UserRole.VOLUNTEER, name="Sam", area=None)
    async with linli.app.session_factory() as session:
        for name in PLACES:
            await place_named(session, clock, name)
        await session.commit()
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    volunteers = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[TAO, SAM])
    tao, sam = telegram.users[TAO], telegram.users[SAM]

    chats = [await register(telegram, r) for r in (MEI, WING, ANN)]
    for resident in (MEI, WING, ANN):
        row = await db_user(linli, resident.telegram_id)
        assert (row.area, row.address, row.phone) == (resident.place, None, resident.phone)

    # Each asks in her own language, and gives her exact address once, on the summary.
    for resident, chat in zip((MEI, WING, ANN), chats, strict=True):
        await ask(linli, chat, resident)
        row = await db_user(linli, resident.telegram_id)
        assert row.address == resident.address
    for resident in (MEI, WING, ANN):
        await approve(telegram, coordinators, resident.need)

    # Posted to the volunteers' group with the place only.
    posts = {r.need: await volunteers.wait_for_message(has(r.place)) for r in (MEI, WING, ANN)}
    # Both volunteers open their lists: places, never addresses.
    await tao.send_command("/tasks")
    await sam.send_text("🔎 Open tasks")
    assert any(WING.place in m.text for m in sam.replies)
    # what each typed stays with the claimer, the coordinators and herself
    assert not any(r.need in m.text for r in (MEI, WING, ANN) for m in sam.replies)
    assert not any(r.need in post.text for r in (MEI, WING, ANN) for post in posts.values())

    # Tao takes Mei's from the group post, and does it.
    await volunteers.as_user(TAO).tap(CLAIM, message_id=posts[MEI.need].message_id)
    task = await tao.wait_for_message(has("This task is yours", MEI.need))
    assert MEI.flat in task.text and str(dialable(MEI.phone)) in task.text  # +86 138 1111 0001
    await tao.tap("🚶 On my way", message_id=task.message_id)
    await tao.tap("✅ Done", message_id=task.message_id)
    await tao.tap("1 h")
    # Sam takes Wing's from his own list, and does it.
    await sam.send_command("/tasks")
    wing_card = next(m for m in reversed(sam.messages) if WING.place in m.text)
    await sam.tap(CLAIM, message_id=wing_card.message_id)
    assert WING.flat in sam.message(wing_card.message_id).text
    await sam.tap("✅ Done", message_id=wing_card.message_id)
    await sam.tap("1 h")

    # Ann's stays open. Tao is paired with her (visits on Wednesdays), and he is the first of
    # her daily check-in chain, before the coordinators.
    async with linli.app.session_factory() as session:
        lin_row = await session.scalar(select(User).where(User.telegram_id == LIN))
        tao_row = await session.scalar(select(User).where(User.telegram_id == TAO))
        ann_row = await session.scalar(select(User).where(User.telegram_id == ANN.telegram_id))
        assert lin_row and tao_row and ann_row
        await visits.create_pairing(
            session,
            lin_row,
            resident_id=ann_row.id,
            volunteer_id=tao_row.id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=2),
            safety_code=None,
            settings=linli.settings,
            clock=clock,
        )
        plan = await checkins.propose_plan(
            session,
            lin_row,
            ann_row,
            times=["09:00"],
            contacts=[checkins.ContactDraft(ContactKind.VOLUNTEER, user_id=tao_row.id)],
            quiet=QuietHours.parse("22:00-07:00"),
            clock=clock,
        )
        await checkins.agree_to_plan(session, ann_row, plan.id, clock=clock)
        await session.commit()

    # Ann does not answer her check-in: Tao, then the coordinators, are told where she lives.
    for hours in (1, 1.5, 2, 3, 4):
        await tick_at(linli, clock, MORNING + timedelta(hours=hours))
    alert = await tao.wait_for_message(has("Ann has not answered"))
    assert ANN.flat in alert.text
    await coordinators.wait_for_message(has("Nobody has reached Ann"))
    # The visit: the day before (no address yet), then an hour before (the address).
    await tick_at(linli, clock, VISIT_AT - timedelta(days=1))
    await tao.wait_for_message(has("Reminder", "Ann", ANN.place))
    await tick_at(linli, clock, VISIT_AT - timedelta(hours=1))
    soon = await tao.wait_for_message(has("In about an hour"))
    assert ANN.address in soon.text and str(dialable(ANN.phone)) in soon.text
    await outbox_drained(linli)

    # The scan: every message to anyone, its buttons and every answer to a press.
    staff = {LIN, COORDINATORS_CHAT}
    readers = {
        **{secret: {MEI.telegram_id, TAO, *staff} for secret in MEI.secrets},
        **{secret: {WING.telegram_id, SAM, *staff} for secret in WING.secrets},
        **{secret: {ANN.telegram_id, TAO, *staff} for secret in ANN.secrets},
    }
    as_typed = {MEI.phone: readers[MEI.secrets[-1]], WING.phone: readers[WING.secrets[-1]]}
    leaks = leaks_of(telegram, {**readers, **as_typed, ANN.phone: readers[ANN.secrets[-1]]})
    assert not leaks, "\n".join(leaks)
    # The scan saw what it looks for (it cannot pass by reading nothing).
    reached = {
        (reader, secret)
        for _, reader, text in shown(telegram)
        for secret in readers
        if secret in text
    }
    for resident, claimer in ((MEI, TAO), (WING, SAM), (ANN, TAO)):
        assert (resident.telegram_id, resident.address) in reached  # her own summary
        for secret in resident.secrets:
            assert {(claimer, secret), (COORDINATORS_CHAT, secret)} <= reached, secret
    volunteer_group_texts = [
        text for _, reader, text in shown(telegram) if reader == VOLUNTEERS_CHAT
    ]
    for resident in (MEI, WING, ANN):
        assert any(resident.place in text for text in volunteer_group_texts)
    async with linli.app.session_factory() as session:
        reveals = {
            (event.actor_id, event.subject_id, event.action)
            for event in await session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("%.reveal"))
            )
        }
        done = list(
            await session.scalars(
                select(HelpRequest).where(HelpRequest.status == RequestStatus.DONE)
            )
        )
        assert len(done) == 2
    tao_id, sam_id = (await db_user(linli, TAO)).id, (await db_user(linli, SAM)).id
    mei_id, wing_id, ann_id = [(await db_user(linli, r.telegram_id)).id for r in (MEI, WING, ANN)]
    assert {(tao_id, mei_id), (sam_id, wing_id), (tao_id, ann_id)} <= {
        (a, s) for a, s, _ in reveals
    }


@pytest.mark.postgresql
async def test_coordinators_keep_the_list_in_chat_and_residents_tap_it(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await person(community, telegram, LIN, UserRole.COORDINATOR, name="Lin", area=None)
    await person(community, telegram, TAO, UserRole.VOLUNTEER, name="Tao", area=None)
    lin, tao = telegram.users[LIN], telegram.users[TAO]
    await tao.send_command("/places")
    assert "Only coordinators" in tao.last.text
    await tao.press_data(PlaceAction(action="add", place_id=0).pack(), tao.last.message_id)
    assert "Only coordinators" in (tao.callback_answers[-1].text or "")  # a forged button
    assert tao.callback_answers[-1].show_alert and tao.last.text.startswith("Only coordinators")

    await lin.send_command("/places")
    assert "No places yet" in lin.last.text
    for name in ("Building 3", "Building 5", "building 5"):
        await lin.tap("➕ Add a place")
        assert "type the name of the place" in lin.last.text
        await lin.send_text(name)
    assert "already a place with that name" in lin.last.text
    await lin.send_text("Building 7")
    assert "✅ Added: Building 7" in lin.replies[0].text
    assert lin.last.buttons == [
        ["📍 Building 3"],
        ["📍 Building 5"],
        ["📍 Building 7"],
        ["➕ Add a place"],
    ]
    await lin.press_data(PlaceAction(action="drop", place_id=1).pack(), lin.last.message_id)
    assert "no longer active" in (lin.callback_answers[-1].text or "")  # forged action
    await lin.press_data(PlaceAction(action="open", place_id=99).pack(), lin.last.message_id)
    assert "no longer active" in (lin.callback_answers[-1].text or "")  # no such place

    await lin.tap("📍 Building 3")
    await lin.tap("✏️ Rename")
    await lin.send_text("Block 3 (east)")
    assert "✅ Renamed: Block 3 (east)" in lin.replies[0].text
    await lin.tap("📍 Building 5")
    await lin.tap("🙈 Hide it")
    assert "hidden" in lin.last.text and ["👁 Show it again"] in lin.last.buttons
    await lin.tap("⬅️ All places")
    assert "Building 5 (hidden)" in lin.last.text

    mei = telegram.user(MEI.telegram_id, first_name=MEI.name, language_code="zh-hans")
    await agree_to_register(mei)
    await mei.tap_reply(MEI.name)
    await mei.tap_reply("⏭ 跳过")
    assert mei.last.buttons == [["📍 Block 3 (east)"], ["📍 Building 7"], ["🤷 我不确定"]]
    await mei.tap("🤷 我不确定")  # registered: no address yet, asked at her first request
    row = await db_user(community, MEI.telegram_id)
    assert row.is_onboarded and (row.place_id, row.area, row.address) == (None, None, None)

    # Her first request asks the place (once) and the address (once), and keeps both.
    await mei.send_command("/request")
    await mei.tap(label(community, MEI, "🛒 Shopping and errands"))
    await mei.send_text(MEI.need)
    await mei.tap(label(community, MEI, "⚡ As soon as possible"))
    assert mei.last.buttons[0] == ["📍 Block 3 (east)"]
    await mei.tap("📍 Block 3 (east)")
    assert "🏠 Block 3 (east)" in mei.last.text  # the summary: her place for now
    await mei.tap("🏠 改地址")
    await mei.send_text(MEI.address)
    assert "记住" in mei.replies[0].text
    row = await db_user(community, MEI.telegram_id)
    assert (row.area, row.address) == ("Block 3 (east)", MEI.address)


async def test_the_hour_before_message_without_an_address_says_so_and_tells_coordinators(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """The resident never gave an address: no "🏠 —" for the volunteer at the door."""
    lin_row = await person(community, telegram, LIN, UserRole.COORDINATOR, name="Lin", area=None)
    tao_row = await person(community, telegram, TAO, UserRole.VOLUNTEER, name="Tao", area=None)
    bo_row = await person(
        community, telegram, 804, UserRole.RESIDENT, name="Bo", phone="13844440004"
    )
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    tao = telegram.users[TAO]
    async with community.app.session_factory() as session:
        await visits.create_pairing(
            session,
            await session.get(User, lin_row.id),
            resident_id=bo_row.id,
            volunteer_id=tao_row.id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=2),
            safety_code=None,
            settings=community.settings,
            clock=clock,
        )
        await session.commit()
    await tick_at(community, clock, VISIT_AT - timedelta(hours=1))
    soon = await tao.wait_for_message(has("In about an hour"))
    assert "We do not have Bo's address yet" in soon.text and "+86 138 4444 0004" in soon.text
    assert "—" not in soon.text
    told = await coordinators.wait_for_message(has("no address for Bo"))
    assert "Tao" in told.text
