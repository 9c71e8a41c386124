"""What private chats and groups share: reading a chat, and a person acting in a chat.

`ChatView` reads one chat the way a participant sees it; `ChatActor` adds the actions of one
user in that chat (messages, commands, inline buttons). `ChatUser` (private chat) and
`GroupMember` build on them, so both behave the same wherever Telegram does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.emulator.files import tiny_png
from bot.emulator.formatting import utf16_len
from bot.emulator.markup import button_labels
from bot.emulator.messaging import media_json
from bot.emulator.privacy import bot_receives
from bot.emulator.rights import ADMIN_RIGHTS
from bot.emulator.state import CallbackAnswer, ChatState, StoredMessage
from bot.emulator.views import ChatMessage

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w/@])@[A-Za-z0-9_]{5,32}")
_FAKE_VOICE = b"OggS\x00\x02" + b"\x00" * 58
_FAKE_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
DEFAULT_TIMEOUT = 10.0


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities for every /command in the text, as Telegram clients mark them."""
    return _entities(text, _COMMAND_RE, "bot_command")


def text_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention (@username) entities a client marks in typed text."""
    found = _entities(text, _COMMAND_RE, "bot_command") + _entities(text, _MENTION_RE, "mention")
    return sorted(found, key=lambda entity: entity["offset"])


def _entities(text: str, pattern: re.Pattern[str], kind: str) -> list[dict[str, Any]]:
    return [
        {
            "type": kind,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in pattern.finditer(text)
    ]


class ChatView:
    """Reads one chat: bot messages, history, replies since the last action, waiting.

    Marks are sequence numbers of the emulator's event counter: `replies` are bot messages
    changed after the last action, `wait_for_message` returns messages created after the
    last action or after the message it returned before.
    """

    def __init__(self, api: FakeBotAPI, chat: ChatState) -> None:
        self.api = api
        self.chat = chat
        self._action_mark = 0
        self._read_mark = 0
        self._wait_mark = 0

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def messages(self) -> list[ChatMessage]:
        """Bot messages in this chat as they are now, oldest first."""
        return [ChatMessage.of(m) for m in self.chat.alive() if m.from_bot]

    @property
    def history(self) -> list[ChatMessage]:
        """Every message still in the chat, from users and from the bot."""
        return [ChatMessage.of(m) for m in self.chat.alive()]

    @property
    def last(self) -> ChatMessage:
        """The newest bot message; AssertionError if the bot has sent nothing."""
        bot_messages = [m for m in self.chat.alive() if m.from_bot]
        if not bot_messages:
            raise AssertionError(f"the bot has no messages in chat {self.chat_id}")
        return ChatMessage.of(bot_messages[-1])

    def message(self, message_id: int) -> ChatMessage:
        """One message of this chat as it is now; AssertionError if it is gone."""
        for stored in self.chat.alive():
            if stored.message_id == message_id:
                return ChatMessage.of(stored)
        raise AssertionError(f"no message {message_id} in chat {self.chat_id}")

    @property
    def replies(self) -> list[ChatMessage]:
        """Bot messages sent or edited since the last action."""
        return self._changed_since(self._action_mark)

    def new_messages(self) -> list[ChatMessage]:
        """Bot messages sent or edited since the previous call (or the last action)."""
        changed = self._changed_since(self._read_mark)
        self._read_mark = self.api.state.seq
        return changed

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        keyboard = self.chat.reply_keyboard
        return button_labels(keyboard["keyboard"]) if keyboard else None

    @property
    def chat_actions(self) -> list[str]:
        return list(self.chat.chat_actions)

    async def wait_for_message(
        self,
        predicate: Callable[[ChatMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> ChatMessage:
        """Wait for a bot message newer than the last action or the last one returned here."""

        def find() -> ChatMessage | None:
            for stored in self.chat.alive():
                if stored.from_bot and stored.created_seq > self._wait_mark:
                    view = ChatMessage.of(stored)
                    if predicate is None or predicate(view):
                        self._wait_mark = stored.created_seq
                        return view
            return None

        try:
            return await self.api.state.feed.wait_for(find, timeout)
        except TimeoutError:
            seen = [m.text[:60] for m in self.messages[-5:]]
            raise TimeoutError(
                f"no new matching bot message in chat {self.chat_id} within {timeout}s; "
                f"latest bot messages: {seen}"
            ) from None

    def _changed_since(self, mark: int) -> list[ChatMessage]:
        return [ChatMessage.of(m) for m in self.chat.alive() if m.from_bot and m.changed_seq > mark]

    def _note_action(self, seq: int) -> None:
        """Someone acted in the chat at `seq`: replies and waits start from here."""
        self._action_mark = self._read_mark = seq
        self._wait_mark = max(self._wait_mark, seq)


class ChatActor(ChatView):
    """One user acting in one chat; subclasses say who the user is and if they can write."""

    @property
    def user(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    @property
    def phone_number(self) -> str:
        return self.api.state.chats[self.user_id].phone_number or ""

    # actions

    async def send_text(
        self, text: str, *, reply_to: int | None = None, wait: bool = True
    ) -> dict[str, Any]:
        """Type and send a text message; /commands and @mentions get their entities.

        `reply_to` makes it a reply to that message of this chat. In a group, a message the
        bot's privacy mode hides from it is only stored: the returned dict then holds just
        "message" (no "update_id"), and `wait` has nothing to wait for.
        """
        content: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return await self._send(content, wait, reply_to)

    async def send_command(
        self, command: str, args: str | None = None, *, mention: bool = False, wait: bool = True
    ) -> dict[str, Any]:
        """Send "/command args"; the slash is optional, `mention` adds "@<bot username>".

        Telegram clients add the mention when a command is picked in a group.
        """
        text = "/" + command.removeprefix("/")
        if mention:
            text = f"{text}@{self.api.state.bot_user['username']}"
        if args:
            text = f"{text} {args}"
        return await self.send_text(text, wait=wait)

    async def send_contact(
        self,
        phone_number: str | None = None,
        first_name: str | None = None,
        *,
        user_id: int | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Share a contact; by default this user's own (what request_contact buttons send)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number or self.phone_number,
            "first_name": first_name or self.user["first_name"],
            "user_id": self.user_id if user_id is None else user_id,
        }
        if first_name is None and self.user.get("last_name"):
            contact["last_name"] = self.user["last_name"]
        return await self._send({"contact": contact}, wait)

    async def send_sticker(
        self, emoji: str = "👍", *, reply_to: int | None = None, wait: bool = True
    ) -> dict[str, Any]:
        stored = self.api.state.files.add("sticker", _FAKE_STICKER, mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return await self._send({"sticker": sticker}, wait, reply_to)

    async def send_voice(
        self,
        duration: int = 3,
        *,
        data: bytes | None = None,
        reply_to: int | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Record and send a voice note; `data` its bytes (else a tiny Ogg file). The file's
        id is in the returned message's "voice" (the bot may send it again, as on Telegram)."""
        stored = self.api.state.files.add(
            "voice", data or _FAKE_VOICE, mime_type="audio/ogg", duration=duration
        )
        content = {"voice": media_json(stored, "voice", duration=duration)}
        return await self._send(content, wait, reply_to)

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        size: tuple[int, int] = (640, 480),
        reply_to: int | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Send a photo (a tiny PNG of `size`), maybe with a caption; its sizes are in the
        returned message's "photo", the largest last."""
        stored = self.api.state.files.add("photo", tiny_png(*size), mime_type="image/png")
        content: dict[str, Any] = {"photo": media_json(stored, "photo")}
        if caption:
            content["caption"] = caption
            entities = text_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return await self._send(content, wait, reply_to)

    async def send_location(
        self, latitude: float, longitude: float, *, wait: bool = True
    ) -> dict[str, Any]:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}}, wait)

    async def tap(
        self, label: str, *, message_id: int | None = None, wait: bool = True
    ) -> dict[str, Any]:
        """Press the inline button labelled `label` (exact match first, then substring)."""
        message, button = self._find_inline_button(label, message_id)
        if "callback_data" not in button:
            kind = next((k for k in button if k != "text"), "?")
            raise AssertionError(
                f"button {button['text']!r} is a {kind} button ({button.get(kind)!r}); "
                "pressing it sends nothing to the bot"
            )
        return await self._callback(message, button["callback_data"], wait)

    async def press_data(self, data: str, message_id: int, *, wait: bool = True) -> dict[str, Any]:
        """Send a callback query with arbitrary (possibly forged) data for a bot message."""
        message = self.api.state.find_message(self.chat, message_id)
        if message is None or not message.from_bot:
            raise AssertionError(f"no bot message {message_id} in chat {self.chat_id}")
        return await self._callback(message, data, wait)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Answers the bot gave to this user's callback queries here, oldest query first."""
        queries = self.api.state.queries_of.get((self.user_id, self.chat_id), ())
        return [q.answer for q in queries if q.answer is not None]

    # internals

    def _check_can_write(self) -> None:
        """Raise AssertionError when the bot could not receive this user's message."""

    def _mark_action(self) -> None:
        self._note_action(self.api.state.tick())

    async def _send(
        self, content: dict[str, Any], wait: bool, reply_to: int | None = None
    ) -> dict[str, Any]:
        self._check_can_write()
        if reply_to is not None:
            content = {**content, "reply_to_message": self._quoted(reply_to)}
        self._mark_action()
        stored = self.api.state.add_message(
            self.chat, from_bot=False, content=content, sender=self.user
        )
        if not bot_receives(self.api.state, self.chat, stored.data):
            stored.seen_by_bot = False
            return {"message": copy.deepcopy(stored.data)}
        update = self.api.state.enqueue_update("message", copy.deepcopy(stored.data))
        return await self._settle(update, wait)

    def _quoted(self, message_id: int) -> dict[str, Any]:
        """The reply_to_message field of a reply to `message_id` in this chat."""
        message = self.api.state.find_message(self.chat, message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} in chat {self.chat_id} to reply to")
        return {k: copy.deepcopy(v) for k, v in message.data.items() if k != "reply_to_message"}

    async def _callback(self, message: StoredMessage, data: str, wait: bool) -> dict[str, Any]:
        self._check_can_write()
        self._mark_action()
        state = self.api.state
        query = state.new_callback_query(self.user_id, self.chat_id, message.message_id, data)
        payload = {
            "id": query.id,
            "from": self.user,
            "message": copy.deepcopy(message.data),
            "chat_instance": str((self.chat_id * 1_000_003 + state.bot_user["id"]) % 10**18),
            "data": data,
        }
        update = state.enqueue_update("callback_query", copy.deepcopy(payload))
        return await self._settle(update, wait)

    async def _member_change(self, old: str, new: str, wait: bool) -> dict[str, Any]:
        """Tell the bot its membership in this chat changed (a my_chat_member update)."""
        self._mark_action()
        update = enqueue_member_update(self.api, self.chat, self.user, old, new)
        return await self._settle(update, wait)

    async def _settle(self, update: dict[str, Any], wait: bool) -> dict[str, Any]:
        if wait:
            await self.api.wait_processed(update["update_id"])
        return update

    def _find_inline_button(
        self, label: str, message_id: int | None
    ) -> tuple[StoredMessage, dict[str, Any]]:
        candidates = [
            m
            for m in reversed(self.chat.alive())
            if m.from_bot and (message_id is None or m.message_id == message_id)
        ]
        for exact in (True, False):
            for message in candidates:
                rows = (message.reply_markup or {}).get("inline_keyboard") or []
                for row in rows:
                    for button in row:
                        text = str(button.get("text", ""))
                        if (text == label) if exact else (label in text):
                            return message, button
        available = {
            m.message_id: button_labels(m.reply_markup["inline_keyboard"])
            for m in candidates[:5]
            if m.reply_markup and "inline_keyboard" in m.reply_markup
        }
        where = f"message {message_id}" if message_id is not None else f"chat {self.chat_id}"
        raise AssertionError(
            f"no inline button {label!r} in {where}; available buttons by message: {available}"
        )


def enqueue_member_update(
    api: FakeBotAPI, chat: ChatState, performer: dict[str, Any], old: str, new: str
) -> dict[str, Any]:
    """Queue a my_chat_member update: the bot's status in `chat` went from `old` to `new`."""
    bot_user = api.state.bot_user

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": bot_user, "status": status}
        if status == "kicked":
            data["until_date"] = 0
        if status == "administrator":
            data.update(ADMIN_RIGHTS)
        return data

    payload = {
        "chat": chat.chat,
        "from": performer,
        "date": api.state.now(),
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }
    return api.state.enqueue_update("my_chat_member", copy.deepcopy(payload))
