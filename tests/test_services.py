"""Rules of people and invitations, without Telegram."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.services import invites, users
from bot.services.errors import (
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NameEmpty,
    NameTooLong,
    PhoneInvalid,
    TextTooLong,
)
from storage.models import AuditEvent, Invite, User, UserRole
from storage.repositories import audit
from tests.traces import traces_of

# On PostgreSQL too: the invite race and what deleting data leaves.
pytestmark = pytest.mark.postgresql

TZ = "Asia/Shanghai"


async def _person(session: AsyncSession, clock: ManualClock, telegram_id: int) -> User:
    profile = users.TelegramProfile(telegram_id=telegram_id, username="mei", language_code="zh")
    return await users.sync_user(session, profile, clock=clock, default_timezone=TZ)


async def test_first_contact_keeps_no_username_until_consent(
    session: AsyncSession, clock: ManualClock
) -> None:
    person = await _person(session, clock, 100)
    assert person.telegram_username is None
    await users.record_consent(session, person, clock=clock)
    again = await _person(session, clock, 100)
    assert again.id == person.id
    assert again.telegram_username == "mei"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("138 0013 8000", "13800138000"),
        ("+852-2345-6789", "+85223456789"),
        ("(010) 6552 9988", "01065529988"),
    ],
)
def test_phone_numbers_as_people_write_them(typed: str, kept: str) -> None:
    assert users.normalise_phone(typed) == kept


@pytest.mark.parametrize("typed", ["hello", "12", "+1 " + "9" * 20, "call me 13800138000"])
def test_what_is_not_a_phone_number(typed: str) -> None:
    with pytest.raises(PhoneInvalid):
        users.normalise_phone(typed)


def test_names_are_cleaned_and_bounded() -> None:
    assert users.clean_name("  王   阿姨\n") == "王 阿姨"
    with pytest.raises(NameEmpty):
        users.clean_name("   ")
    with pytest.raises(NameEmpty):
        users.clean_name("/help")
    with pytest.raises(NameTooLong):
        users.clean_name("名" * 4000)
    with pytest.raises(TextTooLong):
        users.clean_address("楼" * 201)


async def test_deleting_data_leaves_nothing_that_identifies(
    session: AsyncSession, clock: ManualClock
) -> None:
    person = await _person(session, clock, 200)
    await users.record_consent(session, person, clock=clock)
    await users.complete_onboarding(
        session,
        person,
        role=UserRole.RESIDENT,
        display_name="李伯",
        phone="13800138000",
        place=None,
        address="幸福路 8号 3栋 502",
        clock=clock,
    )
    await session.commit()
    assert await traces_of(session, person.id, 200), "the check must see her row"
    await users.delete_personal_data(session, person, clock=clock)
    await session.commit()
    session.expunge_all()
    row = await session.get(User, person.id)
    assert row is not None
    assert not await traces_of(session, row.id, 200)
    assert (row.telegram_id, row.display_name, row.phone, row.address) == (None,) * 4
    assert row.deleted_at == clock.now()
    assert [e.action for e in await audit.for_subject(session, person.id)][-1] == (
        "user.data_deleted"
    )
    # The same Telegram account is a stranger again.
    stranger = await _person(session, clock, 200)
    assert stranger.id != person.id and not stranger.is_onboarded


async def test_an_invite_works_once_and_only_until_it_expires(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = await invites.create_invite(
        session, role=UserRole.COORDINATOR, ttl=timedelta(hours=1), clock=clock
    )
    # Only the code's SHA-256 is kept: the code itself is in no column of the invite's row.
    stored = await session.scalar(select(Invite))
    assert stored is not None and len(issued.code) >= 16
    assert stored.code_hash == hashlib.sha256(issued.code.encode()).hexdigest()
    columns = (await session.execute(text("SELECT * FROM invites"))).one()
    assert not [value for value in columns if issued.code in str(value)]
    first = await _person(session, clock, 300)
    second = await _person(session, clock, 301)

    assert await invites.redeem_invite(session, first, issued.code, clock=clock) == (
        UserRole.COORDINATOR
    )
    assert first.role == UserRole.COORDINATOR
    # opening the same link again is harmless for the same person, refused for another
    assert await invites.redeem_invite(session, first, issued.code, clock=clock) == (
        UserRole.COORDINATOR
    )
    with pytest.raises(InviteUsed):
        await invites.redeem_invite(session, second, issued.code, clock=clock)
    with pytest.raises(InviteInvalid):
        # one character changed (a code ending in "x" gets a "y": the same code is no forgery)
        forged = issued.code[:-1] + ("y" if issued.code.endswith("x") else "x")
        await invites.redeem_invite(session, second, forged, clock=clock)

    late = await invites.create_invite(
        session, role=UserRole.COORDINATOR, ttl=timedelta(hours=1), clock=clock
    )
    clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(InviteExpired):
        await invites.redeem_invite(session, second, late.code, clock=clock)
    assert second.role is None
    actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("role.granted") == 1


async def test_two_people_racing_for_one_invite_one_wins(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        issued = await invites.create_invite(
            session, role=UserRole.COORDINATOR, ttl=timedelta(hours=1), clock=clock
        )
        for telegram_id in range(400, 410):
            await _person(session, clock, telegram_id)
        await session.commit()

    async def redeem(telegram_id: int) -> bool:
        async with session_factory() as session:
            person = await _person(session, clock, telegram_id)
            try:
                await invites.redeem_invite(session, person, issued.code, clock=clock)
            except InviteUsed:
                await session.rollback()
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(redeem(t) for t in range(400, 410)))
    assert results.count(True) == 1
    async with session_factory() as session:
        coordinators = await session.scalars(select(User).where(User.role == UserRole.COORDINATOR))
        assert len(coordinators.all()) == 1
