"""Fifty volunteers press "🙌 I'll do it" on the same group post at the same moment, through the
fake Bot API, with the bot handling the updates concurrently (as `linli run` does): exactly one
wins, the other 49 are told kindly it was just taken, and the address is revealed once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.delivery.edit_guard import IdenticalEditGuard
from bot.emulator.server import FakeBotAPI
from storage.models import AuditEvent, HelpRequest, RequestStatus, User, UserRole
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_ADDRESS,
    VOLUNTEERS_CHAT,
    open_request,
    person,
    resident_and_coordinator,
    running_community,
)

# On PostgreSQL too: a race for one row.
pytestmark = pytest.mark.postgresql

CROWD = range(7001, 7051)


async def test_fifty_volunteers_claim_the_same_task_at_once(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    async with running_community(telegram, database_url, clock, handle_as_tasks=True) as linli:
        resident, coordinator = await resident_and_coordinator(linli, telegram)
        for telegram_id in CROWD:
            await person(linli, telegram, telegram_id, UserRole.VOLUNTEER, name=f"V{telegram_id}")
        group = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=list(CROWD))
        coordinators = telegram.group(
            COORDINATORS_CHAT, "Coordinators", members=[coordinator.telegram_id]
        )
        request = await open_request(linli, resident, coordinator, post_to_group=True)
        post = await group.wait_for_message(lambda m: "Request no." in m.text)

        members = [group.as_user(telegram_id) for telegram_id in CROWD]
        for member in members:  # all fifty presses are queued before the bot polls again
            await member.tap("🙌 I'll do it", message_id=post.message_id, wait=False)

        await telegram.state.feed.wait_for(
            lambda: all(member.callback_answers for member in members) or None, 90
        )
        answers = [member.callback_answers[-1].text for member in members]
        winners = [m for m, text in zip(members, answers, strict=True) if "is yours" in text]
        taken = [text for text in answers if "Someone else has just taken this task" in text]
        assert len(winners) == 1, answers
        assert len(taken) == 49

        async with linli.app.session_factory() as session:
            reveals = await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "request.reveal")
            )
            assert reveals == 1
            claimed = await session.get(HelpRequest, request.id)
            assert claimed is not None and claimed.status is RequestStatus.CLAIMED
            holder = await session.get(User, claimed.volunteer_id)
            assert holder is not None and holder.telegram_id == winners[0].user_id

        # the details reach the winner privately; the group post only says "taken"
        winner_chat = telegram.users[winners[0].user_id]
        details = await winner_chat.wait_for_message(lambda m: RESIDENT_ADDRESS in m.text)
        assert ["🚶 On my way"] in details.buttons
        group_post = group.message(post.message_id)
        assert "Taken by a volunteer" in group_post.text and group_post.buttons == []
        assert all(RESIDENT_ADDRESS not in m.text for m in group.messages)
        # the coordinators are told who took it, once
        await coordinators.wait_for_message(lambda m: "took request no." in m.text)
        assert [m.text for m in coordinators.messages].count(coordinators.last.text) == 1

        # only the winner's step edited the post: the 49 others made no edit at all, so
        # Telegram refused nothing (not even as "message is not modified")
        post_edits = [
            call
            for call in telegram.calls
            if call.method.startswith("editMessage")
            and call.params.get("message_id") == post.message_id
        ]
        assert len(post_edits) == 1 and post_edits[0].ok
        assert telegram.refused_calls() == []
        guard = next(
            m for m in linli.app.bot.session.middleware if isinstance(m, IdenticalEditGuard)
        )
        assert guard.dropped == 0
