"""Group chats: members act in a group, the bot answers there, and can be removed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.emulator import FakeBotAPI
from bot.emulator.client import EmulatorClient, EmulatorError
from tests.emulator.conftest import RunningBot

StartBot = Callable[..., Awaitable[RunningBot]]
GROUP_ID = -100123
CLAIM = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Claim", callback_data="claim")]]
)


def group_router(events: list[str]) -> Router:
    """A coordinators'-group bot in miniature; `events` records chat and sender of each update."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        chat = message.chat
        events.append(f"start {chat.id} {chat.type} {chat.title} from {message.from_user.id}")
        await message.answer("Request #1: groceries", reply_markup=CLAIM)

    @router.message(Command("done"))
    async def done(message: Message) -> None:
        events.append("done")

    @router.message(Command("ask"))
    async def ask(message: Message) -> None:
        """A prompt that works under privacy mode: force_reply for the one who asked."""
        assert message.from_user is not None
        await message.answer(
            f"{message.from_user.mention_html()}, which day?",
            parse_mode="HTML",
            reply_markup=ForceReply(force_reply=True, selective=True),
        )

    @router.message(Command("why"))
    async def why(message: Message) -> None:
        await message.reply("Why?", reply_markup=ForceReply(force_reply=True, selective=True))

    @router.message(F.text)
    async def text(message: Message) -> None:
        assert message.from_user is not None
        replied = message.reply_to_message
        to = f" (reply to {replied.message_id})" if replied else ""
        events.append(f"text {message.chat.id} from {message.from_user.id}{to}: {message.text}")

    @router.callback_query(F.data == "claim")
    async def claim(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        chat = query.message.chat
        events.append(f"claim {chat.id} by {query.from_user.id}")
        await query.message.edit_text(f"Claimed by {query.from_user.first_name}")
        await query.answer("Thanks!")

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        status = update.new_chat_member.status
        events.append(f"member {update.chat.id} {status} by {update.from_user.id}")

    return router


async def test_member_messages_and_callbacks_reach_the_bot(
    api: FakeBotAPI, run_bot: StartBot
) -> None:
    running = await run_bot(router=group_router)
    api.user(1, first_name="Wei")
    group = api.group(GROUP_ID, "Coordinators", members=[1, 2])
    wei, other = group.as_user(1), group.as_user(2)

    update = await wei.send_command("start", mention=True)

    message = update["message"]
    assert message["text"] == "/start@linli_test_bot"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 21}]
    assert message["chat"] == {"id": GROUP_ID, "title": "Coordinators", "type": "supergroup"}
    assert message["from"]["id"] == 1
    assert running.events == [f"start {GROUP_ID} supergroup Coordinators from 1"]
    [reply] = wei.replies
    assert (reply.chat_id, reply.text, reply.buttons) == (
        GROUP_ID,
        "Request #1: groceries",
        [["Claim"]],
    )

    await other.tap("Claim")

    assert running.events[-1] == f"claim {GROUP_ID} by 2"
    assert group.last.text == "Claimed by User 2"  # members created on the fly get a name
    assert [a.text for a in other.callback_answers] == ["Thanks!"]
    assert wei.callback_answers == []
    assert [m.sender_id for m in group.history] == [1, api.bot_user["id"]]


async def test_privacy_mode_lets_through_commands_replies_and_mentions(
    api: FakeBotAPI, run_bot: StartBot
) -> None:
    running = await run_bot(router=group_router)
    group = api.group(GROUP_ID, "Volunteers", members=[5])
    member = api.user(5).in_group(group)

    hidden = await member.send_text("/done@some_other_bot")  # another bot's command
    await member.send_command("done", mention=True)
    await member.send_command("done")
    plain = await member.send_text("I can help on Friday")
    await member.send_text("@LINLI_TEST_BOT can I help on Friday?")
    await member.send_command("start")
    post = group.last
    await member.send_text("Me!", reply_to=post.message_id)
    await member.send_sticker(reply_to=post.message_id)  # delivered, nobody handles stickers

    assert "update_id" not in hidden and "update_id" not in plain
    assert [m.text for m in group.unseen_by_bot] == ["/done@some_other_bot", "I can help on Friday"]
    assert running.events == [
        "done",
        "done",
        f"text {GROUP_ID} from 5: @LINLI_TEST_BOT can I help on Friday?",
        f"start {GROUP_ID} supergroup Volunteers from 5",
        f"text {GROUP_ID} from 5 (reply to {post.message_id}): Me!",
    ]
    assert [m.text for m in group.history][3] == "I can help on Friday"  # members still see it
    assert (await running.bot.get_me()).can_read_all_group_messages is False


async def test_admin_bot_or_privacy_off_sees_every_message(
    api: FakeBotAPI, run_bot: StartBot
) -> None:
    running = await run_bot(router=group_router)
    group = api.group(GROUP_ID, "Coordinators", members=[5])
    member = group.as_user(5)

    await group.promote_bot()
    await member.send_text("as admin")
    await group.demote_bot()
    await member.send_text("a member again")
    api.set_privacy_mode(False)
    await member.send_text("privacy off")

    assert running.events == [
        f"member {GROUP_ID} administrator by 5",
        f"text {GROUP_ID} from 5: as admin",
        f"member {GROUP_ID} member by 5",
        f"text {GROUP_ID} from 5: privacy off",
    ]
    assert [m.text for m in group.unseen_by_bot] == ["a member again"]
    assert (await running.bot.get_me()).can_read_all_group_messages is True


async def test_joins_and_leaves_reach_the_bot_in_privacy_mode(
    api: FakeBotAPI, run_bot: StartBot
) -> None:
    seen: list[str] = []

    def router(events: list[str]) -> Router:
        joins = Router()

        @joins.message(F.new_chat_members)
        async def joined(message: Message) -> None:
            seen.append(f"joined {[u.id for u in message.new_chat_members or []]}")

        @joins.message(F.left_chat_member)
        async def left(message: Message) -> None:
            seen.append(f"left {message.left_chat_member.id}")  # type: ignore[union-attr]

        return joins

    await run_bot(router=router)
    group = api.group(GROUP_ID, "Volunteers")

    joined = await group.join(8)
    await group.as_user(8).leave()

    assert "update_id" in joined and seen == ["joined [8]", "left 8"]
    assert group.member_ids == []


async def test_force_reply_prompts_are_for_the_member_they_target(
    api: FakeBotAPI, run_bot: StartBot
) -> None:
    running = await run_bot(router=group_router)
    api.user(1, first_name="Wei")
    group = api.group(GROUP_ID, "Coordinators", members=[1, 2])
    wei, other = group.as_user(1), group.as_user(2)

    await wei.send_command("ask")
    prompt = group.last
    assert prompt.raw["entities"][0]["type"] == "text_mention"  # tg://user?id= became a mention
    assert prompt.raw["entities"][0]["user"]["id"] == 1
    assert wei.open_prompt == prompt and other.open_prompt is None  # selective
    await other.send_command("why")
    why = group.last
    assert other.open_prompt == why and wei.open_prompt == prompt  # a reply targets its sender

    await wei.answer_prompt("Friday")

    assert running.events[-1] == f"text {GROUP_ID} from 1 (reply to {prompt.message_id}): Friday"
    assert wei.open_prompt is None
    with pytest.raises(AssertionError, match="no open force_reply prompt"):
        await wei.answer_prompt("Saturday")


async def test_bot_sends_to_groups_and_unknown_chats(api: FakeBotAPI, bot: Bot) -> None:
    group = api.group(-100500, "Volunteers", members=[7])

    sent = await bot.send_message(-100500, "Need help at 3B")

    assert (sent.chat.type, sent.chat.title) == ("supergroup", "Volunteers")
    assert group.last.text == "Need help at 3B"
    assert group.as_user(7).messages[-1].message_id == sent.message_id
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100999, "anyone?")
    assert (await bot.get_chat_member(-100500, 7)).status == "member"
    assert (await bot.get_chat_member(-100500, sent.from_user.id)).status == "member"  # type: ignore[union-attr]
    assert (await bot.get_chat(-100500)).title == "Volunteers"


async def test_private_only_buttons_are_refused_in_groups(api: FakeBotAPI, bot: Bot) -> None:
    api.group(GROUP_ID, "Volunteers", kind="group")
    api.user(42)
    contact = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share contact", request_contact=True)]]
    )
    plain = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Yes")]])

    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(GROUP_ID, "Your phone?", reply_markup=contact)
    await bot.send_message(GROUP_ID, "Ready?", reply_markup=plain)
    await bot.send_message(42, "Your phone?", reply_markup=contact)  # fine in private chats


async def test_kicked_bot_is_forbidden_and_told(
    api: FakeBotAPI, bot: Bot, run_bot: StartBot
) -> None:
    running = await run_bot(router=group_router)
    group = api.group(GROUP_ID, "Coordinators", members=[1])

    update = await group.remove_bot()

    assert running.events == [f"member {GROUP_ID} kicked by 1"]
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert group.bot_status == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP_ID, "still there?")
    with pytest.raises(TelegramForbiddenError):
        await bot.get_chat(GROUP_ID)
    with pytest.raises(AssertionError, match="not in group"):
        await group.as_user(1).send_text("hello bot?")

    await group.add_bot()
    assert running.events[-1] == f"member {GROUP_ID} member by 1"
    await bot.send_message(GROUP_ID, "back")


async def test_bot_removed_from_basic_group(api: FakeBotAPI, bot: Bot) -> None:
    group = api.group(-4001, "Building 3", kind="group")

    update = await group.remove_bot("left", wait=False)

    assert update["my_chat_member"]["from"]["username"] == "GroupAnonymousBot"  # no members
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the group chat"):
        await bot.send_message(-4001, "hi")


async def test_private_chat_of_a_member_is_separate(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    group = api.group(GROUP_ID, "Coordinators", members=[42])
    sent = await bot.send_message(GROUP_ID, "Pick", reply_markup=CLAIM)

    in_group = await mei.in_group(group).press_data("claim", sent.message_id, wait=False)

    assert in_group["callback_query"]["message"]["chat"]["id"] == GROUP_ID
    assert in_group["callback_query"]["from"]["id"] == 42
    assert mei.messages == []
    with pytest.raises(AssertionError, match="no bot message"):
        await mei.press_data("claim", sent.message_id, wait=False)  # not in the private chat


async def test_group_setup_errors(api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="negative"):
        api.group(123, "Oops")
    with pytest.raises(ValueError, match="no group"):
        api.add_member(-1, 5)
    group = api.group(GROUP_ID, "Coordinators")
    with pytest.raises(AssertionError, match="not a member"):
        group.as_user(9)
    assert api.add_member(GROUP_ID, 9).id == 9
    assert group.member_ids == [9]


async def test_control_api_for_groups(api: FakeBotAPI, run_bot: StartBot) -> None:
    running = await run_bot(router=group_router)
    assert api.base_url is not None
    async with EmulatorClient(api.base_url) as emulator:
        group = await emulator.create_group(GROUP_ID, "Coordinators", members=[1])
        assert group["members"] == [1]
        await emulator.add_member(GROUP_ID, 2)

        result = await emulator.act_in_group(GROUP_ID, 2, "send_command", command="start")
        assert [m["text"] for m in result["replies"]] == ["Request #1: groceries"]
        hidden = await emulator.act_in_group(GROUP_ID, 2, "send_text", text="hello all")
        assert "update_id" not in hidden["update"]  # privacy mode: the bot does not see it
        await emulator.act_in_group(GROUP_ID, 2, "send_command", command="why")
        await emulator.act_in_group(GROUP_ID, 2, "send_text", text="because")  # the open prompt
        assert running.events[-1].endswith(": because") and "(reply to" in running.events[-1]
        await emulator.act_in_group(GROUP_ID, 1, "tap", label="Claim")
        texts = [m["text"] for m in await emulator.group_messages(GROUP_ID)]
        assert texts == ["/start", "Claimed by User 1", "hello all", "/why", "Why?", "because"]
        with pytest.raises(EmulatorError, match="unknown action"):
            await emulator.act_in_group(GROUP_ID, 1, "tap_reply", label="x")

        await emulator.remove_bot(GROUP_ID)
        assert running.events[-1] == f"member {GROUP_ID} kicked by 1"
        assert (await emulator.state())["groups"][0]["bot_status"] == "kicked"
