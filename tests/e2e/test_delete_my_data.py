"""Delete means delete: a resident who has asked for help (text, voice, photo), answered a
coordinator, rated and commented, given emergency contacts and had visits, deletes her data in
the middle of a new request. Afterwards not one of her values is anywhere: every table of the
database, every Redis key, every message still to be sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import RequestAction
from bot.clock import ManualClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.send_budget import budget_prefix
from bot.emulator.server import FakeBotAPI
from bot.services import checkins, claims, visits
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from storage.models import (
    Base,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestCategory,
    RequestStatus,
    User,
    UserRole,
    VisitCadence,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    VOLUNTEERS_CHAT,
    open_request,
    person,
    resident_and_coordinator,
    running_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.test_redis import ON_REDIS, REDIS_URL, _redis_or_skip
from tests.people import make_person
from tests.traces import traces_of

QUENBY, LIN, TAO = 7101, 7102, 7103
PLANTED = {
    "name": "Quenby Marchetti",
    "username": "quenby_m77",
    "phone": "13976543210",
    "area": "Plumtree Court, another address",
    "address": "Flat 19Z, Wisteria Row",
    "access notes": "Knock thrice, gate code 4455",
    "request text": "Fix the dripping samovar",
    "photo caption": "Cracked jade windowsill",
    "answer": "Ottoline next door keeps my spare key",
    "comment": "Helper wore lavender galoshes",
    "contact name": "Brunhilde Okafor",
    "contact phone": "13611112222",
    "visit note": "Talked about her canary Pipsqueak",
    "safety code": "bluebell-42",
    "draft": "Marmalade jars on the top shelf",
}
QUIET = QuietHours.parse("22:00-07:00")
HER_TABLES = {  # where her life leaves rows
    *("users", "help_requests", "request_events", "checkin_plans", "checkin_contacts"),
    *("pairings", "visits", "outbox_messages", "fsm_states"),
}


async def _outbox_settled(linli: RunningBot) -> None:
    """Wait until nothing that is due waits in the outbox."""
    async with asyncio.timeout(15):
        while True:
            async with linli.app.session_factory() as s:
                waiting = await s.scalar(
                    select(OutboxMessage.id).where(
                        OutboxMessage.status.in_(
                            (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
                        ),
                        OutboxMessage.not_before <= linli.clock.now(),
                    )
                )
            if waiting is None:
                return
            linli.app.dispatcher["outbox"].wake()
            await asyncio.sleep(0.05)


async def _people(linli: RunningBot) -> dict[int, User]:
    async with linli.app.session_factory() as s:
        return {u.telegram_id: u for u in await s.scalars(select(User)) if u.telegram_id}


async def live_her_life(linli: RunningBot, telegram: FakeBotAPI) -> dict[str, str]:
    """Everything Quenby does before she deletes her data; the planted values (with her voice
    and photo file ids) to look for afterwards."""
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await make_person(s, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao Wang")
        await s.commit()
    telegram.user(LIN, first_name="Lin", language_code="en")
    telegram.user(TAO, first_name="Tao", language_code="en")
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    volunteers_group = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[TAO])
    quenby = telegram.user(
        QUENBY, first_name="Quenby", language_code="en", username=PLANTED["username"]
    )

    # she registers, typing her phone number
    await quenby.send_command("/start")
    await quenby.tap("🙋 I need help")
    await quenby.tap("✍️ I agree, with another name")
    await quenby.send_text(PLANTED["name"])
    await quenby.send_text("139 7654 3210")
    await quenby.tap("📍 Building 5")
    assert "/request" not in quenby.last.text  # on the main menu

    # a request in words; her exact address given once (kept), then another one for this time
    await quenby.send_command("/request")
    await quenby.tap("🔧 Home repair")
    await quenby.send_text(PLANTED["request text"])
    await quenby.tap("⚡ As soon as possible")
    await quenby.tap("🏠 Change the address")
    await quenby.send_text(PLANTED["address"])  # the exact address, kept as hers
    await quenby.tap("🏠 Change the address")
    await quenby.send_text(PLANTED["area"])
    await quenby.tap("Only this time")
    await quenby.tap("✅ Send")
    card = await coordinators.wait_for_message(lambda m: PLANTED["request text"] in m.text)

    # a coordinator asks her something; she answers
    lin = coordinators.as_user(LIN)
    await lin.tap("❓ Ask the resident", message_id=card.message_id)
    await lin.answer_prompt("Which room is the samovar in?")
    await quenby.wait_for_message(lambda m: "A coordinator asks" in m.text)
    await quenby.tap("✍️ Answer")
    await quenby.send_text(PLANTED["answer"])
    await coordinators.wait_for_message(lambda m: PLANTED["answer"] in m.text)

    # approved, taken by Tao in the volunteers' group, done; she rates it and comments
    await lin.tap("✅ Approve and publish", message_id=card.message_id)
    post = await volunteers_group.wait_for_message(lambda m: "I'll do it" in str(m.buttons))
    await volunteers_group.as_user(TAO).tap("🙌 I'll do it", message_id=post.message_id)
    people = await _people(linli)
    async with linli.app.session_factory() as s:
        first = await s.scalar(select(HelpRequest).order_by(HelpRequest.id))
        assert first is not None and first.status is RequestStatus.CLAIMED
        await claims.complete_task(s, people[TAO], first.id, 45, clock=linli.clock)
        await s.commit()
    await quenby.send_command("/myrequests")
    rate = RequestAction(action="rate", request_id=first.id, value=2).pack()
    await quenby.press_data(rate, message_id=quenby.last.message_id)
    await quenby.tap("💬 Add a comment")
    await quenby.send_text(PLANTED["comment"])
    await coordinators.wait_for_message(lambda m: PLANTED["comment"] in m.text)

    # a voice note and a photo, both still waiting for a coordinator
    await quenby.send_command("/request")
    await quenby.tap("🛒 Shopping and errands")
    await quenby.send_voice()
    await quenby.tap("⚡ As soon as possible")
    await quenby.tap("🏠 Change the address")  # this time with how to get in
    await quenby.send_text(PLANTED["access notes"])
    await quenby.tap("Only this time")
    await quenby.tap("✅ Send")
    await quenby.send_command("/request")
    await quenby.tap("🔧 Home repair")
    await quenby.send_photo(caption=PLANTED["photo caption"])
    await quenby.tap("⚡ As soon as possible")
    await quenby.tap("✅ Send")
    await coordinators.wait_for_message(lambda m: PLANTED["photo caption"] in m.text)

    # daily check-ins with an emergency contact, and a paired volunteer with a safety code
    async with linli.app.session_factory() as s:
        her = await s.get(User, people[QUENBY].id)
        lin_row = await s.get(User, people[LIN].id)
        assert her is not None and lin_row is not None
        plan = await checkins.propose_plan(
            s,
            lin_row,
            her,
            times=["09:00"],
            contacts=[checkins.phone_contact(PLANTED["contact name"], PLANTED["contact phone"])],
            quiet=QUIET,
            clock=linli.clock,
        )
        await checkins.agree_to_plan(s, her, plan.id, clock=linli.clock)
        _, visit = await visits.create_pairing(
            s,
            lin_row,
            resident_id=her.id,
            volunteer_id=people[TAO].id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0),
            safety_code=PLANTED["safety code"],
            settings=linli.settings,
            clock=linli.clock,
        )
        visit.note = PLANTED["visit note"]  # as "📝 Log the visit" leaves it
        # a card about her still waiting in the coordinators' queue
        await enqueue_message(
            s,
            chat_id=COORDINATORS_CHAT,
            text=f"Reminder: {PLANTED['name']} asked: {PLANTED['request text']}",
            kind="reminder",
            priority=Priority.NOTICE,
            clock=linli.clock,
            not_before=linli.clock.now() + timedelta(hours=1),
        )
        await s.commit()
        rows = list(await s.scalars(select(HelpRequest).where(HelpRequest.resident_id == her.id)))
    files = {
        "voice file id": next(r.voice_file_id for r in rows if r.voice_file_id),
        "photo file id": next(r.photo_file_id for r in rows if r.photo_file_id),
    }

    # halfway through a new request, she decides to leave
    await quenby.send_command("/request")
    await quenby.tap("🛒 Shopping and errands")
    await quenby.send_text(PLANTED["draft"])
    await _outbox_settled(linli)
    return {**PLANTED, **files}


async def delete_her_data(linli: RunningBot, telegram: FakeBotAPI) -> int:
    """She deletes; returns how many Bot API calls had been made by then."""
    quenby = telegram.users[QUENBY]
    await quenby.send_command("/privacy")
    await quenby.tap("🗑 Delete my data")
    await quenby.tap("🗑 Yes, delete everything")
    assert "Your data has been deleted" in quenby.last.text
    since = len(telegram.calls)
    linli.clock.advance(timedelta(hours=2))  # the queued card is due now
    await _outbox_settled(linli)
    return since


async def database_dump(linli: RunningBot) -> str:
    """Every row of every table, as text."""
    lines = []
    async with linli.app.engine.connect() as connection:
        for _, table in sorted(Base.metadata.tables.items()):  # by name: no FK order needed
            for row in await connection.execute(select(table)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def found(values: dict[str, str], haystack: str) -> list[str]:
    return [f"{what}: {value!r}" for what, value in values.items() if value in haystack]


def sent_after(telegram: FakeBotAPI, since: int) -> str:
    return "\n".join(repr(call.params) for call in telegram.calls[since:])


@pytest.mark.postgresql
async def test_nothing_of_her_is_left_in_any_table(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    planted = await live_her_life(community, telegram)
    before = await database_dump(community)
    assert len(found(planted, before)) == len(planted), "the test must plant every value"
    her = (await _people(community))[QUENBY]
    async with community.app.session_factory() as s:
        tables = {trace.split("[")[0] for trace in await traces_of(s, her.id, QUENBY)}
    assert tables == HER_TABLES, "the check must see every kind of row she has"

    since = await delete_her_data(community, telegram)

    dump = await database_dump(community)
    assert not found(planted, dump), found(planted, dump)
    async with community.app.session_factory() as s:
        assert not await traces_of(s, her.id, QUENBY)
    assert not found(planted, sent_after(telegram, since))  # the queued card was withdrawn
    async with community.app.session_factory() as s:
        requests = list(await s.scalars(select(HelpRequest).order_by(HelpRequest.id)))
    # the community's numbers stay: three requests, what they were and how they ended
    assert [r.status for r in requests] == [RequestStatus.DONE, *[RequestStatus.CANCELLED] * 2]
    assert (requests[0].rating, requests[0].minutes_spent) == (2, 45)


@pytest.fixture
async def community_on_redis(
    telegram: FakeBotAPI, tmp_path: Any, clock: ManualClock
) -> AsyncIterator[tuple[RunningBot, Any]]:
    client: Any = await _redis_or_skip()
    prefix = f"fsm:{telegram.token.split(':')[0]}:"
    budget = budget_prefix(int(telegram.token.split(":")[0]))  # the send budget's keys
    for key in [*await client.keys(prefix + "*"), *await client.keys(budget + "*")]:
        await client.delete(key)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'linli.sqlite3'}"
    # Her conversation in Redis; the send budget, a process's own (its pace is tested apart).
    async with running_community(
        telegram, database_url, clock, redis_url=REDIS_URL, send_budget_in_redis=False
    ) as running:
        yield running, client
    for key in [*await client.keys(prefix + "*"), *await client.keys(budget + "*")]:
        await client.delete(key)
    await client.aclose()


async def redis_dump(client: Any) -> str:
    lines = []
    async for key in client.scan_iter(match="*"):
        kind = (await client.type(key)).decode()
        value = await client.get(key) if kind == "string" else f"<{kind}>"
        lines.append(f"{key!r}: {value!r}")
    return "\n".join(lines)


@ON_REDIS
async def test_nothing_of_her_is_left_in_redis_either(
    community_on_redis: tuple[RunningBot, Any], telegram: FakeBotAPI
) -> None:
    linli, redis = community_on_redis
    assert "Redis" in type(linli.app.dispatcher.storage).__name__
    planted = await live_her_life(linli, telegram)
    assert PLANTED["draft"] in await redis_dump(redis)  # her conversation lives in Redis
    # another person's conversation that quotes her (a coordinator pasting her words)
    other_key = f"fsm:{telegram.token.split(':')[0]}:{LIN}:{LIN}:default:data"
    await redis.set(other_key, f'{{"question": "About {PLANTED["request text"]}"}}')

    her = (await _people(linli))[QUENBY]
    await delete_her_data(linli, telegram)

    everything = await redis_dump(redis) + "\n" + await database_dump(linli)
    assert not found(planted, everything), found(planted, everything)
    async with linli.app.session_factory() as s:
        assert not await traces_of(s, her.id, QUENBY)
    assert await redis.exists(other_key)  # Lin's conversation itself goes on


async def test_the_volunteer_of_a_task_she_withdrew_is_told_not_to_go(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    tao_row = await person(community, telegram, 503, UserRole.VOLUNTEER, name="Tao")
    request = await open_request(community, resident, coordinator)
    async with community.app.session_factory() as s:
        await claims.claim_task(s, tao_row, request.id, clock=community.clock, max_open_claims=3)
        await s.commit()
    mei = telegram.users[501]
    await mei.send_command("/privacy")
    await mei.tap("🗑 Delete my data")
    await mei.tap("🗑 Yes, delete everything")
    told = await telegram.users[503].wait_for_message(lambda m: "withdrawn" in m.text)
    assert f"Request no. {request.id}" in told.text and "Mei" not in told.text
    async with community.app.session_factory() as s:
        row = await s.get(HelpRequest, request.id)
        assert row is not None and row.status is RequestStatus.CANCELLED
        assert row.category is RequestCategory.SHOPPING  # what it was stays
        assert not await traces_of(s, resident.id, 501)
