"""Everything the fake Telegram remembers: chats, messages, updates, queries, commands.

The state is plain synchronous Python; the HTTP server, the test API (`ChatUser`) and a
future web UI all read and change it, and every change notifies `feed` so waiters wake up.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import APIError, bad_request, forbidden
from bot.emulator.feed import ChangeFeed
from bot.emulator.files import FileStore, StoredFile
from bot.emulator.ledger import DeliveryLog

UPDATE_TYPES_DEFAULT_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
GROUP_KINDS = frozenset({"group", "supergroup"})
BOT_PRESENT = frozenset({"member", "administrator"})


@dataclass
class StoredMessage:
    """A message in a chat as it is now; `data` is its Telegram JSON."""

    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]
    source: str | None = None
    parse_mode: str | None = None
    created_seq: int = 0
    changed_seq: int = 0
    edited: bool = False
    deleted: bool = False
    file: StoredFile | None = None
    sent_markup: dict[str, Any] | None = None  # reply_markup as sent, any kind
    seen_by_bot: bool = True  # False: a group message the bot's privacy mode hid from it

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.data.get("reply_markup")
        return markup if isinstance(markup, dict) else None


@dataclass
class ChatState:
    """One chat; private chats have the user's id as chat id, groups a negative id.

    `user` is the other party of a private chat; groups have `members` (user ids) and the
    bot's own membership in `bot_status` instead.
    """

    chat: dict[str, Any]
    user: dict[str, Any] | None = None
    phone_number: str | None = None
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    never_started: bool = False  # the user never pressed Start: the bot may not write first
    deactivated: bool = False  # the user deleted their Telegram account
    reply_keyboard: dict[str, Any] | None = None
    reply_keyboard_message_id: int | None = None
    chat_actions: list[str] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None
    members: list[int] = field(default_factory=list)
    bot_status: str = "member"

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        return str(self.chat["type"])

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def refusal(self, *, sending: bool) -> APIError | None:
        """The 403 Telegram answers the bot for this chat, if any.

        A user who blocked the bot only refuses new messages; a group the bot is no longer
        in refuses everything, because the bot cannot even see it any more.
        """
        if self.is_private:
            if self.deactivated:
                return forbidden("user is deactivated")
            if sending and self.never_started:
                return forbidden("bot can't initiate conversation with a user")
            return forbidden() if sending and self.blocked else None
        if self.bot_status in BOT_PRESENT:
            return None
        where = f"{self.type} chat"
        if self.bot_status == "kicked":
            return forbidden(f"bot was kicked from the {where}")
        return forbidden(f"bot is not a member of the {where}")

    def alive(self) -> list[StoredMessage]:
        """Messages not deleted, oldest first (stored in the order of their ids, which only
        `EmulatorState.add_message` gives out, counting up)."""
        return [m for m in self.messages.values() if not m.deleted]


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to one callback query."""

    query_id: str
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass
class CallbackQueryState:
    """A callback query the fake user sent and whether the bot answered it in time."""

    id: str
    user_id: int
    chat_id: int
    message_id: int | None
    data: str | None
    created_at: float
    answer: CallbackAnswer | None = None


@dataclass
class Call:
    """One request to the Bot API and its outcome, for assertions in tests."""

    method: str
    params: dict[str, Any]
    at: float
    seq: int
    result: Any = None
    error: Any = None  # an APIError when the call failed

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        shown = {k: v for k, v in self.params.items() if k not in ("reply_markup", "entities")}
        outcome = "ok" if self.ok else f"error {self.error!r}"
        return f"{self.method}({shown}) -> {outcome}"


class EmulatorState:
    """The fake Telegram's memory for one bot."""

    def __init__(self, *, token: str, bot_user: dict[str, Any], callback_timeout: float) -> None:
        self.token = token
        self.bot_user = bot_user
        self.callback_timeout = callback_timeout
        self.privacy_mode = True  # @BotFather's /setprivacy: on unless turned off
        self.feed = ChangeFeed()
        self.files = FileStore()
        self.chats: dict[int, ChatState] = {}
        self.calls: list[Call] = []
        self.delivered = DeliveryLog()
        self.callback_queries: dict[str, CallbackQueryState] = {}
        # the same queries by (user, chat), oldest first: a person's own answers without a scan
        self.queries_of: dict[tuple[int, int], list[CallbackQueryState]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (kind, language_code) -> text
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.pending_updates: list[dict[str, Any]] = []
        self.acked_offset = 0  # every update_id below this is confirmed
        self.skipped_updates: set[int] = set()  # dropped unseen (allowed_updates, drops)
        self.allowed_updates: list[str] | None = None
        self.webhook_url = ""  # set: updates are pushed (webhook.py), getUpdates answers 409
        self.accepted: set[int] = set()  # updates the bot's webhook answered with 2xx
        self.poll_generation = 0
        self.last_poll_at: float | None = None
        self.closing = False
        self.history_generation = 0  # bumped by clear_history, so viewers start over
        self._seq = itertools.count(1)
        self._update_ids = itertools.count(1)
        self.seq = 0
        self.clock: Callable[[], float] = time.time
        """Telegram's time for message dates (seconds since the epoch); the demo moves it."""

    def now(self) -> int:
        """A message date, in whole seconds as Telegram gives it."""
        return int(self.clock())

    def tick(self) -> int:
        """Advance the global event counter that orders messages, calls and user actions."""
        self.seq = next(self._seq)
        return self.seq

    # chats and messages

    def add_private_chat(self, user: dict[str, Any], phone_number: str | None) -> ChatState:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        existing = self.chats.get(user["id"])
        if existing is None:
            existing = ChatState(chat=chat)
            self.chats[user["id"]] = existing
        existing.chat, existing.user, existing.phone_number = chat, user, phone_number
        self.feed.notify()
        return existing

    def add_group_chat(self, chat_id: int, title: str, kind: str) -> ChatState:
        """Create (or retitle) a group or supergroup the bot is a member of."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative, e.g. -100123")
        if kind not in GROUP_KINDS:
            raise ValueError(f"kind must be one of {sorted(GROUP_KINDS)}")
        if not title.strip():
            raise ValueError("groups need a title")
        chat = {"id": chat_id, "title": title, "type": kind}
        existing = self.chats.get(chat_id)
        if existing is None:
            existing = ChatState(chat=chat)
            self.chats[chat_id] = existing
        existing.chat = chat
        self.feed.notify()
        return existing

    def user_info(self, user_id: int) -> dict[str, Any]:
        """The User object of a known fake user (users are registered with their private chat)."""
        chat = self.chats.get(user_id)
        if chat is None or chat.user is None:
            raise ValueError(f"unknown user {user_id}; create it with api.user({user_id})")
        return chat.user

    def chat(self, chat_id: int | str) -> ChatState:
        """The chat a method targets, or Telegram's "chat not found"."""
        found = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if found is None:
            raise bad_request("chat not found")
        return found

    def add_message(
        self,
        chat: ChatState,
        *,
        from_bot: bool,
        content: dict[str, Any],
        source: str | None = None,
        parse_mode: str | None = None,
        file: StoredFile | None = None,
        sender: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store a new message with the chat's next message id and Telegram's common fields.

        `sender` is needed for user messages in groups; in private chats it is the chat's user.
        """
        message_id = chat.next_message_id
        chat.next_message_id += 1
        if sender is None:
            sender = self.bot_user if from_bot else chat.user
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.chat,
            "date": self.now(),
            **content,
        }
        seq = self.tick()
        message = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            from_bot=from_bot,
            data=data,
            source=source,
            parse_mode=parse_mode,
            created_seq=seq,
            changed_seq=seq,
            file=file,
        )
        chat.messages[message_id] = message
        self.feed.notify()
        return message

    def find_message(self, chat: ChatState, message_id: int) -> StoredMessage | None:
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    def mark_changed(self, message: StoredMessage) -> None:
        message.changed_seq = self.tick()
        self.feed.notify()

    def delete_message(self, chat: ChatState, message: StoredMessage) -> None:
        message.deleted = True
        if chat.reply_keyboard_message_id == message.message_id:
            chat.reply_keyboard = None
            chat.reply_keyboard_message_id = None
        self.mark_changed(message)

    def clear_history(self) -> None:
        """Forget every chat's messages, keyboards and queries, and unconfirmed updates.

        Chats, users and groups stay; message ids keep counting up, as in Telegram. The demo's
        reset uses this, so a fresh bot starts with empty chats.
        """
        for chat in self.chats.values():
            chat.messages.clear()
            chat.reply_keyboard = None
            chat.reply_keyboard_message_id = None
            chat.chat_actions.clear()
        self.callback_queries.clear()
        self.queries_of.clear()
        self.delivered = DeliveryLog()
        self.history_generation += 1
        self.tick()
        self.drop_pending()

    # updates

    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates and wake a pending long poll."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self.pending_updates.append(update)
        self.tick()
        self.feed.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`, as getUpdates does when called with it."""
        if offset < 0:
            keep = self.pending_updates[offset:]
            for update in self.pending_updates[: len(self.pending_updates) - len(keep)]:
                self.skipped_updates.add(update["update_id"])
            self.pending_updates = keep
            if keep:
                self.acked_offset = max(self.acked_offset, keep[0]["update_id"])
        else:
            self.acked_offset = max(self.acked_offset, offset)
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        self.feed.notify()

    def drop_pending(self) -> None:
        """deleteWebhook(drop_pending_updates=True): discard everything unconfirmed."""
        for update in self.pending_updates:
            self.skipped_updates.add(update["update_id"])
        self.pending_updates.clear()
        self.feed.notify()

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates the bot asked for; unwanted types are dropped like Telegram does."""
        wanted: list[dict[str, Any]] = []
        for update in list(self.pending_updates):
            if not self._allowed(update):
                self.pending_updates.remove(update)
                self.skipped_updates.add(update["update_id"])
                self.feed.notify()
                continue
            wanted.append(update)
        return wanted[:limit]

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        if not self.allowed_updates:
            return kind not in UPDATE_TYPES_DEFAULT_EXCLUDED
        return kind in self.allowed_updates

    def is_processed(self, update_id: int) -> bool:
        """Confirmed by a later getUpdates offset or the webhook's 2xx, or dropped unseen."""
        return (
            update_id < self.acked_offset
            or update_id in self.accepted
            or update_id in self.skipped_updates
        )

    # callback queries

    def new_callback_query(
        self, user_id: int, chat_id: int, message_id: int | None, data: str | None
    ) -> CallbackQueryState:
        query_id = str(secrets.randbits(63))
        query = CallbackQueryState(query_id, user_id, chat_id, message_id, data, time.monotonic())
        self.callback_queries[query_id] = query
        self.queries_of.setdefault((user_id, chat_id), []).append(query)
        return query
