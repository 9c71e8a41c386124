"""The people of the capacity benchmark and what each of them does, step by step.

A community of `people`: three coordinators approving new requests, a fifth volunteers
(claiming a published task from /tasks, then "done" with the time it took), a fifth elders
whose 09:00 check-in arrives as the run starts (they answer it, then ask for help), a fifth
newcomers (they register: /start, role, consent, phone skipped, a place tapped, then ask),
and registered residents who ask. Having asked, a resident looks at "📋 My requests" now and
then. Everyone speaks English (so a step finds its button by its label)."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.load import ChatWatch, DirectFeed, Story
from bot.callbacks import TaskAction
from bot.clock import OffsetClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services import checkins
from bot.services.schedule import QuietHours
from storage.models import UserRole
from tests.people import make_person

COORDINATORS = 3
PLACES = [f"Building {n}" for n in range(1, 11)]
KINDS = ["🛒 Shopping and errands", "🍲 Meals", "☕ Companionship"]
APPROVE = "✅ Approve and publish"
FINE = "I'm fine 👍"
WAIT = 120.0  # seconds a person waits for something the bot sends by itself
SHANGHAI = ZoneInfo("Asia/Shanghai")


def before_nine() -> OffsetClock:
    """The bot's clock: real time, moved to 08:59:20 in Shanghai (the check-ins' 09:00 wave
    starts when `nine_strikes` moves it on)."""
    now = datetime.now(SHANGHAI)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if nine <= now:
        nine += timedelta(days=1)
    return OffsetClock(nine - timedelta(seconds=40) - now)


def nine_strikes(clock: OffsetClock) -> None:
    clock.advance(timedelta(seconds=41))


@dataclass
class Community:
    """Who is who (telegram ids by kind) and what the volunteers may wait for."""

    coordinators: list[int]
    volunteers: list[int]
    elders: list[int]
    residents: list[int]
    newcomers: list[int]
    published: asyncio.Condition
    approvals: int = 0


async def seed(
    session_factory: async_sessionmaker[AsyncSession], clock: OffsetClock, people: int
) -> Community:
    """Everyone but the newcomers, registered (elders enrolled at 09:00 by a coordinator)."""
    fifth = max(1, people // 5)
    first = 100_001
    ids = list(range(first, first + people))
    community = Community(
        coordinators=ids[:COORDINATORS],
        volunteers=ids[COORDINATORS : COORDINATORS + fifth],
        elders=ids[COORDINATORS + fifth : COORDINATORS + 2 * fifth],
        newcomers=ids[COORDINATORS + 2 * fifth : COORDINATORS + 3 * fifth],
        residents=ids[COORDINATORS + 3 * fifth :],
        published=asyncio.Condition(),
    )
    async with session_factory() as session:
        lead = None
        for telegram_id in community.coordinators:
            coordinator = await make_person(
                session, clock, telegram_id, UserRole.COORDINATOR, name=f"C{telegram_id}"
            )
            lead = lead or coordinator
        for telegram_id in community.volunteers:
            await make_person(
                session, clock, telegram_id, UserRole.VOLUNTEER, name=f"V{telegram_id}"
            )
        for n, telegram_id in enumerate(community.elders + community.residents):
            resident = await make_person(
                session, clock, telegram_id, UserRole.RESIDENT, name=f"R{telegram_id}",
                area=PLACES[n % len(PLACES)], address=f"Flat {n}", locale="en",
            )  # fmt: skip
            if telegram_id in community.elders:
                assert lead is not None
                plan = await checkins.propose_plan(
                    session, lead, resident, times=["09:00"],
                    quiet=QuietHours.parse("22:00-07:00"), clock=clock,
                )  # fmt: skip
                await checkins.agree_to_plan(session, resident, plan.id, clock=clock)
        await session.commit()
    return community


def stories(telegram: FakeBotAPI, feed: DirectFeed, community: Community) -> list[Story]:
    """One story per person, in the order of their telegram ids."""
    watch = ChatWatch(telegram)
    people = Neighbours(telegram, feed, watch, community)
    told: list[Story] = []
    for telegram_id in community.coordinators:
        told.append(people.coordinator(telegram_id))
    told += [people.volunteer(telegram_id) for telegram_id in community.volunteers]
    told += [people.elder(telegram_id) for telegram_id in community.elders]
    told += [people.newcomer(telegram_id) for telegram_id in community.newcomers]
    told += [people.resident(telegram_id) for telegram_id in community.residents]
    return told


class Neighbours:
    """The steps of each kind of person: every press or message is one `feed.step`."""

    def __init__(
        self, telegram: FakeBotAPI, feed: DirectFeed, watch: ChatWatch, community: Community
    ) -> None:
        self.telegram = telegram
        self.feed = feed
        self.watch = watch
        self.community = community

    def person(self, telegram_id: int) -> ChatUser:
        return self.telegram.user(telegram_id, first_name=f"P{telegram_id}", language_code="en")

    async def tap(
        self, person: ChatUser, label: str, message_id: int | None = None, what: str = ""
    ) -> None:
        await self.feed.step(
            person, lambda: person.tap(label, message_id=message_id, wait=False), what or label
        )

    async def say(self, person: ChatUser, text: str) -> None:
        what = text if text.startswith("/") else "(words)"
        await self.feed.step(person, lambda: person.send_text(text, wait=False), what)

    async def tap_reply(self, person: ChatUser, label: str) -> None:
        await self.feed.step(person, lambda: person.tap_reply(label, wait=False), label)

    # the stories

    def newcomer(self, telegram_id: int) -> Story:
        async def story() -> None:
            person = self.person(telegram_id)
            await self.say(person, "/start")
            await self.tap(person, "🙋 I need help")
            name = person.user["first_name"]
            await self.tap(person, f"✅ I agree, call me {name}", what="✅ I agree, call me …")
            await self.tap_reply(person, "⏭ Skip")  # the phone
            await self.tap(person, f"📍 {PLACES[telegram_id % len(PLACES)]}", what="📍 a place")
            await self.asks_then_looks(person)

        return story

    def resident(self, telegram_id: int) -> Story:
        async def story() -> None:
            await self.asks_then_looks(self.person(telegram_id))

        return story

    def elder(self, telegram_id: int) -> Story:
        async def story() -> None:
            person = self.person(telegram_id)
            checkin = await self.watch.until(person.id, lambda: _button_in(person, FINE), WAIT)
            await self.tap(person, FINE, message_id=checkin)
            await self.asks_then_looks(person)

        return story

    async def asks_then_looks(self, person: ChatUser) -> None:
        """/request, a kind, the words, "today", send; then "📋 My requests" now and then."""
        await self.say(person, "/request")
        await self.tap(person, KINDS[person.id % len(KINDS)])
        await self.say(person, "Rice, eggs and some fruit, please")
        await self.tap(person, "📅 Today")
        for _ in range(3):  # the summary; a question more if the bot has one
            if _button_in(person, "✅ Send"):
                break
            await self.tap(person, "⏭ Skip")
        await self.tap(person, "✅ Send")
        if not any("Request no." in message.text for message in person.messages[-3:]):
            raise AssertionError(f"{person!r} was not told the request's number")
        while True:
            await self.tap_reply(person, "📋 My requests")

    def coordinator(self, telegram_id: int) -> Story:
        """Approves every new request whose card falls to them (the cards reach all three)."""
        mine = self.community.coordinators.index(telegram_id)
        done: set[int] = set()

        def next_card(person: ChatUser) -> int | None:
            for message in reversed(person.chat.alive()):
                if message.message_id in done or not message.from_bot:
                    continue
                for row in (message.reply_markup or {}).get("inline_keyboard") or []:
                    for button in row:
                        data = str(button.get("callback_data", ""))
                        if button.get("text") == APPROVE and _share(data) == mine:
                            return message.message_id
            return None

        async def story() -> None:
            person = self.person(telegram_id)
            while True:
                card = await self.watch.until(person.id, lambda: next_card(person), WAIT)
                done.add(card)
                await self.tap(person, APPROVE, message_id=card)
                async with self.community.published:
                    self.community.approvals += 1
                    self.community.published.notify_all()

        return story

    def volunteer(self, telegram_id: int) -> Story:
        """Waits for a published task, opens /tasks, claims one, says it is done and how long
        it took; again. A task someone else took first sends them back to /tasks."""

        async def story() -> None:
            person = self.person(telegram_id)
            seen = 0
            while True:
                async with self.community.published:
                    await self.community.published.wait_for(
                        lambda seen=seen: self.community.approvals > seen
                    )
                    seen = self.community.approvals
                await self.say(person, "/tasks")
                claim = _claim_button(person)
                if claim is None:
                    continue
                await self.feed.step(
                    person,
                    lambda claim=claim: person.press_data(claim[1], claim[0], wait=False),
                    "🙌 claim",
                )
                if _button_in(person, "✅ Done") is None:
                    continue  # taken by someone else first
                await self.tap(person, "✅ Done")
                await self.tap(person, "1 h")

        return story


def _share(callback_data: str) -> int:
    """Which coordinator a card falls to: the same for one request in every chat."""
    return zlib.crc32(callback_data.encode()) % COORDINATORS


def _button_in(person: ChatUser, label: str) -> int | None:
    """The newest bot message of this chat with a button `label`."""
    for message in reversed(person.chat.alive()):
        if not message.from_bot:
            continue
        for row in (message.reply_markup or {}).get("inline_keyboard") or []:
            if any(button.get("text") == label for button in row):
                return message.message_id
    return None


def _claim_button(person: ChatUser) -> tuple[int, str] | None:
    """(message id, callback data) of a claim button in the bot's latest answer."""
    for message in reversed(person.chat.alive()):
        if not message.from_bot:
            continue
        for row in (message.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith(TaskAction.__prefix__) and ":claim:" in data:
                    return message.message_id, data
        return None
    return None
