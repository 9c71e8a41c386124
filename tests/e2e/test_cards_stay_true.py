"""Conversations: every card of a request tells the truth at every step. A request is walked
through its life (posted, checked, taken, on the way, done, rated; another cancelled; another
given back) and after each step every card in every chat is read at the emulator: the
coordinators' card, the volunteers' group post, the volunteer's own card, the resident's own,
and any browsing copy. Each says what is true now, and no button that no longer applies is
left anywhere. Also: coordinators hear who took a request (but a lone coordinator hears
nothing of their own actions), a check-in's "I need help" card says where it came from, and
Telegram's "message is not modified" or a vanished card is not a failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.delivery.edit_guard import IdenticalEditGuard
from bot.delivery.notifier import Notifier
from bot.emulator.actors import ChatView
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.views import ChatMessage
from bot.policy.notify.request_cards import refresh
from bot.policy.notify.requests import request_submitted
from bot.scheduling.scheduler import Scheduler
from bot.services.requests import RequestDraft, submit_request
from storage.models import (
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestCard,
    RequestCategory,
    User,
    UserRole,
)
from tests.e2e import test_checkin_day as checkin_day
from tests.e2e.community import COORDINATORS_CHAT, VOLUNTEERS_CHAT, running_community
from tests.e2e.harness import RunningBot
from tests.people import make_person

ANN, LIN, TAO, SAM = 8001, 8002, 8003, 8004
ADDRESS, PHONE = "Flat 3B, Lane 12", "13800138000"
REVIEW_BUTTONS = [
    ["✅ Approve and publish"],
    ["👤 Assign to a volunteer"],
    ["🏷 Change category"],
    ["🚨 Mark urgent"],
    ["❓ Ask the resident"],
    ["🔗 Duplicate of…"],
    ["✖️ Reject"],
]
OPEN_BUTTONS = [["👤 Assign to a volunteer"], ["🚨 Mark urgent"], ["❓ Ask the resident"]]
HELD_BUTTONS = [["🔁 Reassign"], ["↩️ Back to the pool"]]
CLAIM = [["🙌 I'll do it"]]
CANCEL = [["✖️ Cancel this request"]]


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def people(
    linli: RunningBot, telegram: FakeBotAPI, locale: str = "en"
) -> tuple[GroupChat, GroupChat]:
    """Ann (resident), coordinator Lin, volunteers Tao and Sam; both groups."""
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, ANN, UserRole.RESIDENT, name="Ann Lee", phone=PHONE,
                          address=ADDRESS, locale=locale)  # fmt: skip
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin", locale=locale)
        await make_person(s, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao Wang", locale=locale)
        await make_person(s, linli.clock, SAM, UserRole.VOLUNTEER, name="Sam Wu", locale=locale)
        await s.commit()
    for telegram_id, name in ((ANN, "Ann"), (LIN, "Lin"), (TAO, "Tao"), (SAM, "Sam")):
        telegram.user(telegram_id, first_name=name, language_code="en")
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    volunteers = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[TAO, SAM])
    return coordinators, volunteers


async def ann_asks(linli: RunningBot, description: str = "Rice and eggs, please") -> int:
    """Ann's request, submitted and sent to the coordinators as the asking flow does."""
    async with linli.app.session_factory() as session:
        ann = await session.scalar(select(User).where(User.telegram_id == ANN))
        assert ann is not None
        request = await submit_request(
            session,
            ann,
            RequestDraft(category=RequestCategory.SHOPPING, description=description),
            clock=linli.clock,
        )
        notifier = Notifier(session, linli.settings, linli.clock, linli.app.dispatcher["i18n"])
        await request_submitted(notifier, request, ann, emergency=False)
        await session.commit()
    linli.app.dispatcher["outbox"].wake()
    return request.id


def chat_of(telegram: FakeBotAPI, chat_id: int) -> ChatView:
    return telegram.groups[chat_id] if chat_id < 0 else telegram.users[chat_id]


def with_buttons(telegram: FakeBotAPI) -> dict[tuple[int, int], list[list[str]]]:
    """Every bot message in every chat that still carries inline buttons."""
    found = {}
    chats = [*telegram.groups.values(), *telegram.users.values()]
    for chat in chats:
        for message in chat.messages:
            if message.from_bot and message.buttons:
                found[(chat.chat_id, message.message_id)] = message.buttons
    return found


class Cards:
    """The cards of one request, read at the emulator after the outbox has drained."""

    def __init__(self, linli: RunningBot, telegram: FakeBotAPI) -> None:
        self.linli, self.telegram = linli, telegram
        self.where: dict[str, tuple[int, int]] = {}

    def note(self, name: str, message: ChatMessage) -> None:
        self.where[name] = (message.chat_id, message.message_id)

    async def now(self) -> dict[str, ChatMessage]:
        await self.linli.outbox_drained()
        return {
            name: chat_of(self.telegram, chat_id).message(message_id)
            for name, (chat_id, message_id) in self.where.items()
        }

    async def only_these_have_buttons(self, *names: str) -> None:
        await self.linli.outbox_drained()
        allowed = {self.where[name] for name in names}
        stale = {
            where: b for where, b in with_buttons(self.telegram).items() if where not in allowed
        }
        assert not stale, f"buttons left where they no longer apply: {stale}"


async def posted(
    linli: RunningBot,
    telegram: FakeBotAPI,
    coordinators: GroupChat,
    volunteers: GroupChat,
    post: str = "post",
) -> Cards:
    """Ann asks, Lin approves it in the coordinators' group, it is posted to the volunteers:
    the cards, with the coordinators' card and the post noted (as `post`)."""
    cards = Cards(linli, telegram)
    await ann_asks(linli)
    cards.note(
        "coordinators", await coordinators.wait_for_message(lambda m: "New request" in m.text)
    )
    await coordinators.as_user(LIN).tap("✅ Approve and publish")
    cards.note(post, await volunteers.wait_for_message(lambda m: "Request no." in m.text))
    return cards


async def test_a_request_from_asking_to_rating_every_card_true_at_every_step(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators, volunteers = await people(linli, telegram)
    ann, tao = telegram.users[ANN], telegram.users[TAO]
    cards = Cards(linli, telegram)

    # posted: the coordinators' card; Ann looks at her requests
    request_id = await ann_asks(linli)
    cards.note(
        "coordinators", await coordinators.wait_for_message(lambda m: "New request" in m.text)
    )
    await ann.send_command("/myrequests")
    cards.note("resident", ann.last)
    now = await cards.now()
    assert "Being checked by a coordinator" in now["coordinators"].text
    assert now["coordinators"].buttons == REVIEW_BUTTONS
    assert "Being checked" in now["resident"].text and now["resident"].buttons == CANCEL

    # reviewed: approved and posted to the volunteers
    lin = coordinators.as_user(LIN)
    await lin.tap("✅ Approve and publish", message_id=cards.where["coordinators"][1])
    cards.note("post", await volunteers.wait_for_message(lambda m: "Request no." in m.text))
    now = await cards.now()
    assert "Rice and eggs" not in now["post"].text  # what she typed: only for the claimer
    assert "Looking for a volunteer" in now["coordinators"].text
    assert "Approved by Lin" in now["coordinators"].text
    assert now["coordinators"].buttons == OPEN_BUTTONS
    assert now["post"].buttons == CLAIM and ADDRESS not in now["post"].text
    assert "Looking for a volunteer" in now["resident"].text and now["resident"].buttons == CANCEL
    await cards.only_these_have_buttons("coordinators", "post", "resident")

    # claimed in the group by Tao: the coordinators hear who, Tao gets his card privately
    await volunteers.as_user(TAO).tap("🙌 I'll do it", message_id=cards.where["post"][1])
    cards.note("holder", await tao.wait_for_message(lambda m: ADDRESS in m.text))
    told = await coordinators.wait_for_message(lambda m: "took request no." in m.text)
    assert "Tao Wang" in told.text and f"no. {request_id}" in told.text
    now = await cards.now()
    assert "Taken by a volunteer" in now["post"].text and now["post"].buttons == []
    assert "A volunteer is coming" in now["coordinators"].text
    assert "Volunteer: Tao Wang" in now["coordinators"].text
    assert now["coordinators"].buttons == HELD_BUTTONS
    assert now["holder"].buttons == [["🚶 On my way"], ["✅ Done"], ["😔 I can't make it"]]
    assert "A volunteer is coming" in now["resident"].text and now["resident"].buttons == CANCEL
    await cards.only_these_have_buttons("coordinators", "holder", "resident")

    # on the way
    await tao.tap("🚶 On my way", message_id=cards.where["holder"][1])
    now = await cards.now()
    assert "You are on your way" in now["holder"].text and "On my way" not in str(
        now["holder"].buttons
    )
    assert now["holder"].buttons == [["✅ Done"], ["😔 I can't make it"]]
    assert "a volunteer is on the way" in now["post"].text and now["post"].buttons == []
    assert "The volunteer is on the way" in now["coordinators"].text
    assert "Volunteer: Tao Wang" in now["coordinators"].text
    assert "The volunteer is on the way" in now["resident"].text
    await cards.only_these_have_buttons("coordinators", "holder", "resident")

    # done: no action button is left on Tao's card, nor anywhere but Ann's rating
    await tao.tap("✅ Done", message_id=cards.where["holder"][1])
    await tao.tap("1 h")
    asked = await ann.wait_for_message(lambda m: "How was the help?" in m.text)
    cards.note("rating", asked)
    now = await cards.now()
    assert "Done. Thank you!" in now["holder"].text and now["holder"].buttons == []
    assert ADDRESS not in now["holder"].text  # the address is not needed any more
    assert "Done. Thank you, everyone!" in now["post"].text and now["post"].buttons == []
    assert "✅ Done" in now["coordinators"].text and now["coordinators"].buttons == []
    assert "✅ Done" in now["resident"].text and now["resident"].buttons == []
    await cards.only_these_have_buttons("rating")

    # rated: Tao hears her thanks; every card shows the rating
    await ann.tap("😄 5 · Excellent", message_id=asked.message_id)
    thanks = await tao.wait_for_message(lambda m: "rated your help" in m.text)
    assert "Ann" in thanks.text and "5/5" in thanks.text
    await ann.tap("💬 Add a comment")
    await ann.send_text("Tao was so kind, thank you")
    wrote = await tao.wait_for_message(lambda m: "They wrote" in m.text)
    assert "so kind" in wrote.text
    now = await cards.now()
    assert "rated your help 5/5" in now["holder"].text and now["holder"].buttons == []
    assert "rated the help 5/5" in now["post"].text and "so kind" not in now["post"].text
    assert "Rated 5/5" in now["coordinators"].text and "so kind" in now["coordinators"].text
    await cards.only_these_have_buttons()

    # edits were not refused as failures, and nothing was flagged as undeliverable
    async with linli.app.session_factory() as session:
        failed = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        )
        assert list(failed) == []


async def test_a_cancelled_request_cancels_every_card(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators, volunteers = await people(linli, telegram)
    ann, tao, sam = (telegram.users[i] for i in (ANN, TAO, SAM))
    cards = await posted(linli, telegram, coordinators, volunteers, "post")

    # both volunteers look at the open tasks in their own chats; Sam takes it there
    await tao.send_command("/tasks")
    cards.note("tao browsing", tao.last)
    await sam.send_command("/tasks")
    await sam.tap("🙌 I'll do it")
    cards.note("holder", sam.last)
    now = await cards.now()
    assert ADDRESS in now["holder"].text and ["🚶 On my way"] in now["holder"].buttons
    assert "no longer open" in now["tao browsing"].text and now["tao browsing"].buttons == []
    assert "Taken by a volunteer" in now["post"].text and now["post"].buttons == []
    assert "Volunteer: Sam Wu" in now["coordinators"].text

    await ann.send_command("/myrequests")
    await ann.tap("✖️ Cancel this request")
    await ann.tap("✖️ Yes, cancel it")
    cards.note("resident", ann.last)
    await sam.wait_for_message(lambda m: "was cancelled by the resident" in m.text)
    now = await cards.now()
    assert "resident cancelled this request" in now["holder"].text
    assert now["holder"].buttons == [] and ADDRESS not in now["holder"].text
    assert "Cancelled by the resident" in now["post"].text and now["post"].buttons == []
    assert "✖️ Cancelled" in now["coordinators"].text and now["coordinators"].buttons == []
    assert "Cancelled" in now["resident"].text and now["resident"].buttons == []
    await cards.only_these_have_buttons()


async def test_a_task_given_back_is_posted_again_and_the_old_cards_say_so(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators, volunteers = await people(linli, telegram)
    tao = telegram.users[TAO]
    cards = await posted(linli, telegram, coordinators, volunteers, "first post")
    await volunteers.as_user(TAO).tap("🙌 I'll do it")
    cards.note("holder", await tao.wait_for_message(lambda m: ADDRESS in m.text))

    await tao.tap("😔 I can't make it", message_id=cards.where["holder"][1])
    await tao.tap("😔 Yes, give it back")
    await coordinators.wait_for_message(lambda m: "cannot make it" in m.text)
    cards.note(
        "second post",
        await volunteers.wait_for_message(
            lambda m: "Request no." in m.text and m.message_id != cards.where["first post"][1]
        ),
    )
    now = await cards.now()
    assert "no longer yours" in now["holder"].text and now["holder"].buttons == []
    assert ADDRESS not in now["holder"].text
    assert "Posted again" in now["first post"].text and now["first post"].buttons == []
    assert now["second post"].buttons == CLAIM
    assert "Looking for a volunteer" in now["coordinators"].text
    assert "Volunteer:" not in now["coordinators"].text
    assert now["coordinators"].buttons == OPEN_BUTTONS
    await cards.only_these_have_buttons("coordinators", "second post")


async def test_in_simplified_chinese_the_cards_follow_the_request(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    async with running_community(telegram, database_url, clock, default_locale="zh_Hans") as linli:
        coordinators, volunteers = await people(linli, telegram, locale="zh_Hans")
        ann, tao = telegram.users[ANN], telegram.users[TAO]
        cards = Cards(linli, telegram)
        await ann_asks(linli, "帮我买点菜")
        cards.note(
            "coordinators", await coordinators.wait_for_message(lambda m: "帮我买点菜" in m.text)
        )
        await ann.send_command("/myrequests")
        cards.note("resident", ann.last)
        await coordinators.as_user(LIN).tap("✅ 通过并发布")
        cards.note("post", await volunteers.wait_for_message(lambda m: "号求助" in m.text))
        await volunteers.as_user(TAO).tap("🙌 我来认领")
        cards.note("holder", await tao.wait_for_message(lambda m: ADDRESS in m.text))
        told = await coordinators.wait_for_message(lambda m: "接下了求助" in m.text)
        assert "Tao Wang" in told.text
        now = await cards.now()
        assert "已有志愿者认领" in now["post"].text and now["post"].buttons == []
        assert "志愿者：Tao Wang" in now["coordinators"].text

        await tao.tap("🚶 我出发了", message_id=cards.where["holder"][1])
        now = await cards.now()
        assert "您已在路上" in now["holder"].text
        assert "志愿者正在路上" in now["post"].text

        await tao.tap("✅ 已完成", message_id=cards.where["holder"][1])
        await tao.tap("1 小时")
        cards.note("rating", await ann.wait_for_message(lambda m: "非常好" in str(m.buttons)))
        await ann.tap("😄 5 · 非常好")
        thanks = await tao.wait_for_message(lambda m: "5/5" in m.text)
        assert "给您的帮助" in thanks.text
        now = await cards.now()
        assert "已完成" in now["holder"].text and now["holder"].buttons == []
        assert "5/5" in now["post"].text and now["post"].buttons == []
        assert "居民评分 5/5" in now["coordinators"].text and now["coordinators"].buttons == []
        assert now["resident"].buttons == []
        # only her offer to add a comment is left, as it should be
        await cards.only_these_have_buttons("rating")


async def test_a_lone_coordinator_is_not_told_of_their_own_actions(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """No groups and one coordinator, who checks a request and then takes it himself."""
    linli = RunningBot(telegram, telegram.base_url, clock, database_url=database_url,
                       default_locale="en")  # fmt: skip
    await linli.start()
    try:
        async with linli.app.session_factory() as s:
            await make_person(s, clock, ANN, UserRole.RESIDENT, name="Ann Lee", phone=PHONE,
                              address=ADDRESS)  # fmt: skip
            await make_person(s, clock, LIN, UserRole.COORDINATOR, name="Lin")
            await s.commit()
        telegram.user(ANN, first_name="Ann", language_code="en")
        lin = telegram.user(LIN, first_name="Lin", language_code="en")
        await ann_asks(linli)
        card = await lin.wait_for_message(lambda m: "New request" in m.text)
        await lin.tap("✅ Approve and publish", message_id=card.message_id)
        await lin.send_command("/tasks")
        await lin.tap("🙌 I'll do it")
        holder = lin.last
        await lin.tap("🚶 On my way", message_id=holder.message_id)
        await lin.tap("✅ Done", message_id=holder.message_id)
        await lin.send_text("45")  # typed, not tapped: the minutes buttons go all the same
        await linli.outbox_drained()

        # his card says what happened, but nothing was sent to him about his own steps
        card = lin.message(card.message_id)
        assert "✅ Done" in card.text and "Volunteer: Lin" in card.text and card.buttons == []
        queued_to_lin = [m for m in lin.messages if m.from_bot and m.message_id != card.message_id]
        assert not [m.text for m in queued_to_lin if "took request" in m.text]
        async with linli.app.session_factory() as session:
            kinds = list(
                await session.scalars(
                    select(OutboxMessage.kind).where(
                        OutboxMessage.chat_id == LIN, OutboxMessage.kind != "card.edit"
                    )
                )
            )
        assert kinds == ["request.new"]
        assert [where for where in with_buttons(telegram) if where[0] == LIN] == []
    finally:
        await linli.stop()


async def test_two_coordinators_the_other_one_hears_who_took_it(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """The same without groups, but with a second coordinator: Kai hears that Lin took it,
    and Kai's own copy of the card follows."""
    linli = RunningBot(telegram, telegram.base_url, clock, database_url=database_url,
                       default_locale="en")  # fmt: skip
    await linli.start()
    try:
        async with linli.app.session_factory() as s:
            await make_person(s, clock, ANN, UserRole.RESIDENT, name="Ann Lee", address=ADDRESS)
            await make_person(s, clock, LIN, UserRole.COORDINATOR, name="Lin")
            await make_person(s, clock, SAM, UserRole.COORDINATOR, name="Kai", locale="zh_Hans")
            await s.commit()
        telegram.user(ANN, first_name="Ann", language_code="en")
        lin = telegram.user(LIN, first_name="Lin", language_code="en")
        kai = telegram.user(SAM, first_name="Kai", language_code="zh-hans")
        await ann_asks(linli)
        card = await lin.wait_for_message(lambda m: "New request" in m.text)
        kais_card = await kai.wait_for_message(lambda m: "求助编号" in m.text or "新求助" in m.text)
        await lin.tap("✅ Approve and publish", message_id=card.message_id)
        await lin.send_command("/tasks")
        await lin.tap("🙌 I'll do it")
        told = await kai.wait_for_message(lambda m: "接下了求助" in m.text)
        assert "Lin" in told.text
        await linli.outbox_drained()
        kais_card = kai.message(kais_card.message_id)
        assert "志愿者：Lin" in kais_card.text
        assert [b for row in kais_card.buttons for b in row] == ["🔁 改派", "↩️ 放回任务池"]
        assert not [m for m in lin.messages if "took request" in m.text]
    finally:
        await linli.stop()


async def test_an_identical_edit_is_refused_by_telegram_and_is_no_failure(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Telegram refuses an edit that changes nothing ("message is not modified"), and the
    emulator does too; the outbox counts it done. An edit of a card deleted meanwhile is
    skipped. Neither is flagged to the coordinators."""
    coordinators, _ = await people(linli, telegram)
    await ann_asks(linli)
    card = await coordinators.wait_for_message(lambda m: "New request" in m.text)
    await linli.outbox_drained()
    bot = linli.app.bot
    with pytest.raises(Exception, match="message is not modified"):
        await bot.edit_message_text(
            card.html or card.text,
            chat_id=COORDINATORS_CHAT,
            message_id=card.message_id,
            reply_markup=None if not card.inline_keyboard else card.raw["reply_markup"],
        )
    await telegram.users[ANN].send_command("/myrequests")
    mine = telegram.users[ANN].last
    await bot.delete_message(ANN, mine.message_id)  # Ann deleted her copy
    guard = next(m for m in bot.session.middleware if isinstance(m, IdenticalEditGuard))
    for _time in range(2):  # the second time, every card already shows what it is made to
        async with linli.app.session_factory() as session:
            rows = list(await session.scalars(select(RequestCard).order_by(RequestCard.id)))
            for row in rows:
                row.shown = None  # forget what each shows: each is edited again
            request = await session.get(HelpRequest, rows[0].request_id)
            assert request is not None
            notifier = Notifier(session, linli.settings, linli.clock, linli.app.dispatcher["i18n"])
            assert await refresh(notifier, request) == 2
            await session.commit()
        guard._shown.clear()  # as after a restart: only Telegram knows what the card shows
        linli.app.dispatcher["outbox"].wake()
        await linli.outbox_drained()
    shown = chat_of(telegram, COORDINATORS_CHAT).message(card.message_id)
    assert "Being checked" in shown.text and "New request" not in shown.text
    async with linli.app.session_factory() as session:
        edits = list(
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.error).where(
                    OutboxMessage.kind == "card.edit"
                )
            )
        )
        flags = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.kind == "outbox.undeliverable")
        )
    gone = (ANN, OutboxStatus.SKIPPED, "Bad Request: message to edit not found")
    done = (COORDINATORS_CHAT, OutboxStatus.SENT, None)
    assert sorted(edits) == [done, done, gone, gone]
    assert flags is None
    refused = [call.error for call in telegram.refused_calls()]
    assert any("not modified" in str(error) for error in refused)


async def test_a_request_waiting_for_review_is_not_called_unclaimed(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """Nobody checked it for hours: the coordinators' reminder says it waits for them, not
    that no volunteer took it (no volunteer could see it yet)."""
    coordinators, _ = await people(linli, telegram)
    await ann_asks(linli)
    await coordinators.wait_for_message(lambda m: "New request" in m.text)
    clock.advance(timedelta(hours=5))
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    assert await scheduler.tick() == 1
    reminder = await coordinators.wait_for_message(lambda m: "Still waiting" in m.text)
    assert "no coordinator has checked" in reminder.text
    assert "nobody has taken" not in reminder.text
    assert reminder.buttons == REVIEW_BUTTONS
    # approving from the reminder brings the first card up to date too
    await coordinators.as_user(LIN).tap("✅ Approve and publish", message_id=reminder.message_id)
    await linli.outbox_drained()
    first = next(m for m in coordinators.messages if "New request" in m.text or m.edited)
    assert "Looking for a volunteer" in first.text and first.buttons == OPEN_BUTTONS


async def test_the_check_in_need_help_card_says_it_came_from_the_check_in(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    clock.set(checkin_day.MORNING)
    async with running_community(telegram, database_url, clock) as linli:
        coordinators = await checkin_day.people(linli)
        await checkin_day.enrol(linli, checkin_day.WANG, "Mrs Wang", address="Room 402")
        await checkin_day.at(linli, clock, 9, 0)
        wang = telegram.users[checkin_day.WANG]
        await wang.wait_for_message(lambda m: checkin_day.CHECKIN_LABEL in m.text)
        await wang.tap("I need help 🙋")
        card = await coordinators.wait_for_message(lambda m: "Request no." in m.text)
        assert "daily check-in" in card.text and "Mrs Wang" in card.text
        assert "wrote words that sound like one" not in card.text
        await coordinators.as_user(checkin_day.LIN).tap(
            "✅ Approve and publish", message_id=card.message_id
        )
        await linli.outbox_drained()
        assert "From the daily check-in" in coordinators.message(card.message_id).text


async def test_when_she_deletes_her_data_every_card_of_her_request_says_so(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Her open request is cancelled by the erasure: the volunteers' post loses its claim button
    and the coordinators' card its buttons and her address; nothing of her stays on either."""
    coordinators, volunteers = await people(linli, telegram)
    ann = telegram.users[ANN]
    cards = await posted(linli, telegram, coordinators, volunteers, "post")
    now = await cards.now()
    assert now["post"].buttons == CLAIM and ADDRESS in now["coordinators"].text

    await ann.send_command("/privacy")
    await ann.tap("🗑 Delete my data")
    await ann.tap("🗑 Yes, delete everything")
    await linli.outbox_drained()
    now = await cards.now()
    assert now["post"].buttons == [] and "Cancelled" in now["post"].text
    assert now["coordinators"].buttons == [] and "Cancelled" in now["coordinators"].text
    assert ADDRESS not in now["coordinators"].text and PHONE not in now["coordinators"].text
    await cards.only_these_have_buttons()
