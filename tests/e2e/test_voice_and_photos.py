"""Conversations: her voice and photos reach people. A voice note or photo a resident sends with
her request reaches the coordinators as that voice note or photo, right after the card; the
volunteers' group only reads that there is one; the volunteer who claims the task gets it in
his own chat, and nobody before. A coordinator asks by voice and she answers by voice; a voice
comment after a low rating reaches the coordinators. Checked at the fake Telegram: the same
file (its unique id and its bytes) arrives in each chat that may have it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import RequestAction
from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from bot.services import claims, requests, review, users
from bot.services.requests import RequestDraft
from storage.models import (
    HelpRequest,
    OutboxMessage,
    RequestCategory,
    RequestEvent,
    User,
    UserRole,
)
from tests.e2e.community import running_community
from tests.e2e.harness import RunningBot
from tests.people import make_person
from tests.traces import traces_of

COORDINATORS, VOLUNTEERS = -100_710, -100_720
MEI, ANN, HO, LIN, TAO, SAM = 7101, 7102, 7103, 7901, 7902, 7903
MEI_VOICE = b"OggS\x00\x02" + "我要买米和鸡蛋".encode() + bytes(32)
LIN_VOICE = b"OggS\x00\x02" + b"which rice, the small bag?" + bytes(16)
MEI_ANSWER = b"OggS\x00\x02" + "小袋的就好".encode() + bytes(16)
CLAIM = "🙌 I'll do it"

Say = Callable[[ChatUser], Awaitable[dict[str, Any]]]


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """The bot with a coordinators' group and a volunteers' group, and the privacy check."""
    async with running_community(
        telegram, database_url, clock, coordinators=COORDINATORS, volunteers=VOLUNTEERS
    ) as running:
        yield running


async def cast(linli: RunningBot, telegram: FakeBotAPI) -> None:
    """Mei (reads Simplified Chinese), Ann (English), Ho (Traditional Chinese), coordinator
    Lin, volunteers Tao and Sam, each with a private chat."""
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, MEI, UserRole.RESIDENT, name="梅", locale="zh_Hans",
                          phone="13900139000", address="2号楼101")  # fmt: skip
        await make_person(s, linli.clock, ANN, UserRole.RESIDENT, name="Ann Lee",
                          phone="13800138000", address="Flat 3B, Building 5")  # fmt: skip
        await make_person(s, linli.clock, HO, UserRole.RESIDENT, name="何", locale="zh_Hant",
                          address="3座12樓")  # fmt: skip
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await make_person(s, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao Wang")
        await make_person(s, linli.clock, SAM, UserRole.VOLUNTEER, name="Sam Wu")
        await s.commit()
    telegram.user(MEI, first_name="梅", language_code="zh-hans")
    telegram.user(ANN, first_name="Ann", language_code="en")
    telegram.user(HO, first_name="何", language_code="zh-hant")
    for person_id, name in ((LIN, "Lin"), (TAO, "Tao"), (SAM, "Sam")):
        telegram.user(person_id, first_name=name, language_code="en")


def groups(telegram: FakeBotAPI) -> tuple[GroupChat, GroupChat]:
    coordinators = telegram.group(COORDINATORS, "Coordinators", members=[LIN])
    volunteers = telegram.group(VOLUNTEERS, "Volunteers", members=[TAO, SAM])
    return coordinators, volunteers


# What a resident taps to ask for shopping as soon as possible (her saved address is kept).
ASKING = {
    MEI: ("🛒 买菜跑腿", "⚡ 越快越好", "✅ 发送"),
    ANN: ("🛒 Shopping and errands", "⚡ As soon as possible", "✅ Send"),
}


async def ask(linli: RunningBot, resident_id: int, say: Say) -> tuple[HelpRequest, dict[str, Any]]:
    """The resident asks in her chat, saying what she needs with `say`; her request and the
    message she sent."""
    resident = linli.api.users[resident_id]
    shopping, soon, send = ASKING[resident_id]
    await resident.send_command("/request")
    await resident.tap(shopping)
    said = await say(resident)
    await resident.tap(soon)
    await resident.tap(send)
    async with linli.app.session_factory() as s:
        request = await s.scalar(
            select(HelpRequest)
            .join(User, User.id == HelpRequest.resident_id)
            .where(User.telegram_id == resident_id)
            .order_by(HelpRequest.id.desc())
        )
    assert request is not None
    return request, said["message"]


def voices(messages: list[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if m.voice is not None]


def photos(messages: list[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if m.photo is not None]


def same_voice(sent: dict[str, Any]) -> Callable[[ChatMessage], bool]:
    unique = sent["voice"]["file_unique_id"]
    return lambda m: m.voice is not None and m.voice["file_unique_id"] == unique


@pytest.mark.postgresql
async def test_her_voice_note_reaches_the_coordinators_and_only_the_claimer(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """In Simplified Chinese: 梅 says what she needs in a voice note."""
    await cast(community, telegram)
    coordinators, volunteers = groups(telegram)
    mei, tao, sam = (telegram.users[i] for i in (MEI, TAO, SAM))

    request, said = await ask(community, MEI, lambda p: p.send_voice(6, data=MEI_VOICE))
    assert request.voice_file_id == said["voice"]["file_id"]
    assert "求助编号" in mei.last.text

    card = await coordinators.wait_for_message(lambda m: "New request" in m.text)
    assert f"Request no. {request.id}" in card.text and "🎤" in card.text
    heard = await coordinators.wait_for_message(same_voice(said))
    assert heard.file_bytes == MEI_VOICE and heard.voice is not None
    assert heard.voice["duration"] == 6
    assert heard.message_id > card.message_id  # right after the card it belongs to
    assert f"voice message, request no. {request.id}" in heard.text

    lin = coordinators.as_user(LIN)
    await lin.tap("✅ Approve and publish", message_id=card.message_id)
    post = await volunteers.wait_for_message(lambda m: f"Request no. {request.id}" in m.text)
    assert "🎤" in post.text and post.voice is None  # there is a voice note; not the voice
    await community.outbox_drained()
    assert voices(volunteers.messages) == [] and voices(tao.messages) == []  # not before a claim

    await volunteers.as_user(TAO).tap(CLAIM, message_id=post.message_id)
    details = await tao.wait_for_message(lambda m: "2号楼101" in m.text)
    got = await tao.wait_for_message(same_voice(said))
    assert got.file_bytes == MEI_VOICE and got.message_id > details.message_id
    assert f"request no. {request.id}" in got.text
    await community.outbox_drained()
    assert voices(volunteers.messages) == [] and voices(sam.messages) == []
    assert len(voices(tao.messages)) == 1 and len(voices(coordinators.messages)) == 1
    assert voices(mei.messages) == []  # her own voice is not sent back to her


async def test_her_photo_reaches_the_coordinators_and_the_volunteer_who_claims_it(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """In English, without groups: the coordinator's private chat, a claim from /tasks."""
    await cast(linli, telegram)
    ann, lin, tao, sam = (telegram.users[i] for i in (ANN, LIN, TAO, SAM))

    request, said = await ask(linli, ANN, lambda p: p.send_photo("This brand of rice, please"))
    sent = said["photo"][-1]
    assert request.photo_file_id == sent["file_id"]
    assert request.description == "This brand of rice, please"

    card = await lin.wait_for_message(lambda m: "New request" in m.text)
    assert "🖼" in card.text and "This brand of rice" in card.text
    seen = await lin.wait_for_message(lambda m: m.photo is not None)
    assert seen.photo is not None and seen.photo[-1]["file_unique_id"] == sent["file_unique_id"]
    assert seen.file_bytes is not None and seen.file_bytes.startswith(b"\x89PNG")
    assert f"photo, request no. {request.id}" in seen.text
    await lin.tap("✅ Approve and publish", message_id=card.message_id)

    await tao.send_command("/tasks")
    listed = tao.last
    assert "🖼" in listed.text and photos(tao.messages) == []
    await tao.tap(CLAIM, message_id=listed.message_id)
    assert "Flat 3B, Building 5" in tao.message(listed.message_id).text
    got = await tao.wait_for_message(lambda m: m.photo is not None)
    assert got.photo is not None and got.photo[-1]["file_unique_id"] == sent["file_unique_id"]
    await linli.outbox_drained()
    assert photos(sam.messages) == [] and len(photos(tao.messages)) == 1
    assert photos(ann.messages) == []


async def test_a_coordinator_asks_by_voice_and_she_answers_by_voice(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """In Simplified Chinese: Lin asks with a voice note in the coordinators' group (a reply to
    the bot's prompt, under privacy mode); 梅 hears it and answers with a voice note."""
    await cast(community, telegram)
    coordinators, _volunteers = groups(telegram)
    mei = telegram.users[MEI]
    request, _said = await ask(community, MEI, lambda p: p.send_text("帮我买一袋米"))
    card = await coordinators.wait_for_message(lambda m: f"Request no. {request.id}" in m.text)
    lin = coordinators.as_user(LIN)

    await lin.tap("❓ Ask the resident", message_id=card.message_id)
    prompt = lin.open_prompt
    assert prompt is not None and "voice message" in prompt.text
    await lin.send_sticker(reply_to=prompt.message_id)  # not words, not a voice: asked again
    assert "type it in words" in coordinators.last.text
    asked = await lin.answer_prompt_by_voice(4, data=LIN_VOICE)
    assert "Sent to the resident" in coordinators.last.text

    question = await mei.wait_for_message(same_voice(asked["message"]))
    assert question.file_bytes == LIN_VOICE
    assert "请听这条语音" in question.text and f"求助编号 {request.id}" in question.text
    assert question.buttons == [["✍️ 回答"]]
    await mei.tap("✍️ 回答", message_id=question.message_id)
    assert "语音" in mei.last.text  # she may say it too
    answered = await mei.send_voice(5, data=MEI_ANSWER)
    assert "谢谢！我已把您的回答转给工作人员。" in mei.last.text

    heard = await coordinators.wait_for_message(same_voice(answered["message"]))
    assert heard.file_bytes == MEI_ANSWER
    assert f"answers about request no. {request.id} by voice" in heard.text
    async with community.app.session_factory() as s:
        events = list(
            await s.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id))
        )
    details = {e.action: e.detail for e in events}
    file_ids = (asked["message"]["voice"]["file_id"], answered["message"]["voice"]["file_id"])
    assert (details["question"]["voice"], details["answer"]["voice"]) == file_ids

    # she deletes her data: neither voice is kept anywhere, nor queued for anyone
    await community.outbox_drained()
    async with community.app.session_factory() as s:
        her = await s.scalar(select(User).where(User.telegram_id == MEI))
        assert her is not None
        await users.delete_personal_data(s, her, clock=community.clock)
        await s.commit()
        assert not await traces_of(s, her.id, MEI)
        for row in await s.scalars(select(OutboxMessage)):
            kept = json.dumps(row.payload)
            assert not any(file_id in kept for file_id in file_ids), (row.kind, kept)
        for event in await s.scalars(select(RequestEvent)):
            assert not any(file_id in json.dumps(event.detail) for file_id in file_ids)


async def test_a_voice_comment_after_a_low_rating_reaches_the_coordinators(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """In Traditional Chinese: 何 rates the help 2 and says why in a voice note."""
    await cast(community, telegram)
    coordinators, _volunteers = groups(telegram)
    ho = telegram.users[HO]
    async with community.app.session_factory() as s:
        people = {u.telegram_id: u for u in await s.scalars(select(User))}
        draft = RequestDraft(category=RequestCategory.SHOPPING, description="買米")
        request = await requests.submit_request(s, people[HO], draft, clock=community.clock)
        await review.approve_request(
            s, people[LIN], request.id, request.version, clock=community.clock
        )
        await claims.claim_task(s, people[TAO], request.id, clock=community.clock,
                                max_open_claims=3)  # fmt: skip
        await claims.complete_task(s, people[TAO], request.id, 30, clock=community.clock)
        request_id = request.id
        await s.commit()

    await ho.send_command("/myrequests")
    rate = RequestAction(action="rate", request_id=request_id, value=2).pack()
    await ho.press_data(rate, message_id=ho.last.message_id)
    await coordinators.wait_for_message(lambda m: "rated 2/5" in m.text)
    await ho.tap("💬 寫幾句意見")
    assert "語音" in ho.last.text
    await ho.send_sticker()  # neither words nor a voice: asked again, kindly
    assert ho.last.text.startswith("請用文字輸入 ✍️，或者發一段語音 🎤。")
    commented = await ho.send_voice(8)
    assert "謝謝！您的意見已轉給社區職員。" in ho.last.text

    heard = await coordinators.wait_for_message(same_voice(commented["message"]))
    assert "rated 2/5" in heard.text and "Comment by voice" in heard.text
    assert heard.voice is not None and heard.voice["duration"] == 8
    async with community.app.session_factory() as s:
        comment = await s.scalar(
            select(RequestEvent).where(
                RequestEvent.request_id == request_id, RequestEvent.action == "commented"
            )
        )
    assert comment is not None
    assert comment.detail == {"voice": commented["message"]["voice"]["file_id"]}


async def test_a_coordinator_gives_the_reason_for_a_refusal_by_voice(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """In English: Lin rejects Ann's request and says why in a voice note; Ann hears it."""
    await cast(community, telegram)
    coordinators, _volunteers = groups(telegram)
    ann = telegram.users[ANN]
    request, _said = await ask(community, ANN, lambda p: p.send_text("Paint my fence"))
    card = await coordinators.wait_for_message(lambda m: f"Request no. {request.id}" in m.text)
    lin = coordinators.as_user(LIN)

    await lin.tap("✖️ Reject", message_id=card.message_id)
    await lin.tap("✍️ Other: type it", message_id=card.message_id)
    prompt = lin.open_prompt
    assert prompt is not None and "voice message" in prompt.text
    said = await lin.answer_prompt_by_voice(9)
    assert "Rejected. The resident was told." in coordinators.last.text
    assert "Rejected by Lin" in coordinators.message(card.message_id).text

    told = await ann.wait_for_message(same_voice(said["message"]))
    assert "we cannot take on your request no." in told.text
    assert "Please listen to the reason" in told.text


async def test_the_volunteer_a_coordinator_assigns_gets_her_voice_note(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """In Simplified Chinese: nobody claimed 梅's task; Lin gives it to Sam, who hears her."""
    await cast(community, telegram)
    coordinators, volunteers = groups(telegram)
    tao, sam = telegram.users[TAO], telegram.users[SAM]
    request, said = await ask(community, MEI, lambda p: p.send_voice(3, data=MEI_VOICE))
    card = await coordinators.wait_for_message(lambda m: f"Request no. {request.id}" in m.text)
    lin = coordinators.as_user(LIN)
    await lin.tap("✅ Approve and publish", message_id=card.message_id)
    await lin.tap("👤 Assign to a volunteer", message_id=card.message_id)
    await lin.tap("Sam Wu", message_id=card.message_id)

    task = await sam.wait_for_message(lambda m: "gave you this task" in m.text)
    heard = await sam.wait_for_message(same_voice(said))
    assert heard.file_bytes == MEI_VOICE and heard.message_id > task.message_id
    await community.outbox_drained()
    assert voices(tao.messages) == [] and voices(volunteers.messages) == []
