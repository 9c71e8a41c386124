"""How a message that shows a person's values is told apart from one that merely names them."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.outbox import Priority, enqueue_message
from bot.services import checkins, claims, requests, review, users, visits
from bot.services.erasure import REDACTED, PersonalValues
from bot.services.requests import RequestDraft
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from storage.models import (
    CheckinPlanStatus,
    RequestCategory,
    RequestStatus,
    UserRole,
    VisitCadence,
)
from tests.people import make_person
from tests.traces import traces_of

# On PostgreSQL too: what erasing leaves in the tables.
pytestmark = pytest.mark.postgresql

QUIET = QuietHours.parse("22:00-07:00")


def test_what_she_said_marks_a_message_as_about_her() -> None:
    values = PersonalValues.of(["Flat 3B & Co", "13800138000"], ["Ann Lee"])
    payload = {
        "text": "<b>Ann Lee</b>: Flat 3B &amp; Co, 📞 13800138000",
        "reply_markup": {"inline_keyboard": [[{"text": "Call Ann", "callback_data": "x:1"}]]},
    }
    redacted, about = values.redact(payload)
    assert about
    text = str(redacted)
    assert "Flat 3B" not in text and "13800138000" not in text and "Ann" not in text
    assert REDACTED in redacted["text"]


def test_her_name_alone_is_cut_out_but_others_words_stay() -> None:
    # "yes" and "Rice" are too short to look for: a neighbour's card may say them too
    values = PersonalValues.of(["yes", "Rice"], ["Ann", "王秀英"])
    redacted, about = values.redact(["Annual meeting: Ann and 王秀英阿姨 said yes to Rice", 3])
    assert not about
    assert redacted == [f"Annual meeting: {REDACTED} and {REDACTED}阿姨 said yes to Rice", 3]
    assert PersonalValues.of(["12345"], []).redact("call 12345")[1] is False
    assert PersonalValues.of(["23456789"], []).redact("call 23456789")[1] is True


async def test_a_volunteer_who_leaves_gives_their_tasks_back(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident = await make_person(session, clock, 1, UserRole.RESIDENT, name="Mei")
    coordinator = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    volunteer = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao",
                                  phone="13911112222", address="Flat 7C, Lane 3")  # fmt: skip
    draft = RequestDraft(category=RequestCategory.SHOPPING, description="Rice")
    request = await requests.submit_request(session, resident, draft, clock=clock)
    await review.approve_request(session, coordinator, request.id, request.version, clock=clock)
    await claims.claim_task(session, volunteer, request.id, clock=clock, max_open_claims=3)
    # he visits Mei every week (so he is the first link of her check-in chain), and noted the
    # last visit; a reminder to him waits in the outbox
    plan = await checkins.propose_plan(
        session, coordinator, resident, times=["09:00"], quiet=QUIET, clock=clock
    )
    await checkins.agree_to_plan(session, resident, plan.id, clock=clock)
    _, visit = await visits.create_pairing(
        session,
        coordinator,
        resident_id=resident.id,
        volunteer_id=volunteer.id,
        schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0),
        safety_code="bamboo-7",
        settings=Settings(),
        clock=clock,
    )
    visit.note = "We planted tomatoes on the balcony"
    reminder = {"text": "Visit Mei tomorrow", "kind": "visit.reminder"}
    await enqueue_message(
        session,
        chat_id=3,
        user_id=volunteer.id,
        priority=Priority.REMINDER,
        clock=clock,
        **reminder,
    )
    await session.commit()
    tao = volunteer.id
    assert {trace.split("[")[0] for trace in await traces_of(session, tao, 3)} == {
        *("users", "checkin_contacts", "pairings", "visits", "outbox_messages"),
        "help_requests",  # the task he holds
    }, "the check must see every kind of row he has"

    await users.delete_personal_data(session, volunteer, clock=clock)
    await session.commit()
    session.expire_all()

    assert not await traces_of(session, tao, 3)
    await session.refresh(request)
    assert (request.status, request.volunteer_id) == (RequestStatus.OPEN, None)
    assert request.description == "Rice"  # the resident's words are hers, not the volunteer's
    await session.refresh(visit)
    assert visit.volunteer_id == tao  # the visit stays in the numbers, with him anonymous
    await session.refresh(plan)
    await session.refresh(resident)
    assert (resident.display_name, plan.status) == ("Mei", CheckinPlanStatus.ACTIVE)  # hers stays
