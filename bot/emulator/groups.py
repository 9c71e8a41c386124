"""Group chats: a group the bot is in, its members, and members acting in it.

Groups have negative chat ids and a title; user messages there carry the member in `from`
and the group in `chat`, and callback queries from a group message name the member who
pressed the button. Removing the bot makes Telegram answer 403 for that chat and tells the
bot through a my_chat_member update.

The bot runs in privacy mode, as on Telegram (see `privacy.py`): unless it is an admin of the
group (`promote_bot`) or privacy mode is off (`FakeBotAPI(privacy_mode=False)`), a member's
message reaches it only if it is a command, a reply to one of the bot's messages or mentions
the bot; anything else stays in the group's history, unseen by the bot. A prompt sent with
force_reply opens the reply field on the member's phone; `answer_prompt` replies to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.emulator.actors import ChatActor, ChatView, enqueue_member_update
from bot.emulator.privacy import entity_text
from bot.emulator.state import BOT_PRESENT, ChatState, StoredMessage
from bot.emulator.views import ChatMessage

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI
    from bot.emulator.users import ChatUser

# Telegram shows actions of anonymous group admins as coming from this bot account.
ANONYMOUS_ADMIN: dict[str, Any] = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
REMOVED_STATUSES = ("kicked", "left")


class GroupChat(ChatView):
    """A group or supergroup with the bot in it; read it here, act in it via `as_user`."""

    def __init__(self, api: FakeBotAPI, chat: ChatState) -> None:
        super().__init__(api, chat)
        self._members: dict[int, GroupMember] = {}

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return str(self.chat.chat["title"])

    @property
    def kind(self) -> str:
        """Either "group" or "supergroup"."""
        return self.chat.type

    @property
    def member_ids(self) -> list[int]:
        return list(self.chat.members)

    @property
    def bot_status(self) -> str:
        """The bot's membership: "member", "administrator" after `promote_bot`, or
        "kicked"/"left" after `remove_bot`."""
        return self.chat.bot_status

    @property
    def unseen_by_bot(self) -> list[ChatMessage]:
        """Members' messages the bot's privacy mode kept from it, oldest first."""
        return [ChatMessage.of(m) for m in self.chat.alive() if not m.seen_by_bot]

    def __repr__(self) -> str:
        return f"GroupChat({self.id}, {self.title!r})"

    def add_member(self, user: int | ChatUser) -> GroupMember:
        """Put a user in the group (silently: no service message); unknown ids are created."""
        user_id = user if isinstance(user, int) else user.id
        if user_id not in self.api.users:
            self.api.user(user_id, first_name=f"User {user_id}")
        if user_id not in self.chat.members:
            self.chat.members.append(user_id)
            self.api.state.feed.notify()
        return self.as_user(user_id)

    async def join(self, user: int | ChatUser, *, wait: bool = True) -> dict[str, Any]:
        """A user joins: a new_chat_members service message, which reaches the bot even in
        privacy mode."""
        member = self.add_member(user)
        return await member._send({"new_chat_members": [member.user]}, wait)

    def as_user(self, user_id: int) -> GroupMember:
        """The member `user_id` acting in this group."""
        if user_id not in self.chat.members:
            raise AssertionError(
                f"user {user_id} is not a member of group {self.id}; members: {self.member_ids}"
            )
        if user_id not in self._members:
            self._members[user_id] = GroupMember(self, user_id)
        return self._members[user_id]

    async def remove_bot(
        self, status: str = "kicked", *, by: int | None = None, wait: bool = True
    ) -> dict[str, Any]:
        """Remove the bot: sends and reads then answer 403 and the bot gets my_chat_member.

        `by` is the member who removed it (default: the first member, else an anonymous
        admin). `status` "kicked" is a ban, "left" a plain removal.
        """
        if status not in REMOVED_STATUSES:
            raise ValueError(f"status must be one of {REMOVED_STATUSES}")
        if self.chat.bot_status not in BOT_PRESENT:
            raise AssertionError(f"the bot is not in group {self.id} ({self.chat.bot_status})")
        return await self._set_bot_status(status, by, wait)

    async def add_bot(self, *, by: int | None = None, wait: bool = True) -> dict[str, Any]:
        """Add the removed bot back (a my_chat_member update with status "member")."""
        if self.chat.bot_status in BOT_PRESENT:
            raise AssertionError(f"the bot is already in group {self.id}")
        return await self._set_bot_status("member", by, wait)

    async def promote_bot(self, *, by: int | None = None, wait: bool = True) -> dict[str, Any]:
        """Make the bot an admin of the group: from now on it receives every message."""
        if self.chat.bot_status != "member":
            raise AssertionError(f"the bot is not a plain member of {self.id}: {self.bot_status}")
        return await self._set_bot_status("administrator", by, wait)

    async def demote_bot(self, *, by: int | None = None, wait: bool = True) -> dict[str, Any]:
        """Take the bot's admin rights away: privacy mode applies again."""
        if self.chat.bot_status != "administrator":
            raise AssertionError(f"the bot is not an admin of {self.id}: {self.bot_status}")
        return await self._set_bot_status("member", by, wait)

    async def _set_bot_status(self, new: str, by: int | None, wait: bool) -> dict[str, Any]:
        performer = self._performer(by)
        old = self.chat.bot_status
        self.chat.bot_status = new
        self._note_action(self.api.state.tick())
        update = enqueue_member_update(self.api, self.chat, performer, old, new)
        if wait:
            await self.api.wait_processed(update["update_id"])
        return update

    def _performer(self, by: int | None) -> dict[str, Any]:
        if by is not None:
            return self.api.state.user_info(by)
        if self.chat.members:
            return self.api.state.user_info(self.chat.members[0])
        return ANONYMOUS_ADMIN


class GroupMember(ChatActor):
    """One member of a group acting there: messages, commands and inline buttons.

    `replies` and `wait_for_message` start from this member's last action; the group's own
    readers start from any member's last action.
    """

    def __init__(self, group: GroupChat, user_id: int) -> None:
        super().__init__(group.api, group.chat)
        self.group = group
        self._user_id = user_id

    @property
    def id(self) -> int:
        """The member's user id (the group's id is `chat_id`)."""
        return self._user_id

    @property
    def user(self) -> dict[str, Any]:
        return self.api.state.user_info(self._user_id)

    def __repr__(self) -> str:
        return f"GroupMember({self.id} in {self.group.id})"

    async def leave(self, *, wait: bool = True) -> dict[str, Any]:
        """Leave the group: a left_chat_member service message (the bot gets it)."""
        update = await self._send({"left_chat_member": self.user}, wait)
        self.chat.members.remove(self._user_id)
        self.api.state.feed.notify()
        return update

    @property
    def open_prompt(self) -> ChatMessage | None:
        """The newest force_reply message of the bot meant for this member and not yet
        answered by them: what a Telegram client opens the reply field for.

        A selective force_reply is meant for the members it mentions and for the sender of
        the message it replies to; one without `selective` is meant for everyone.
        """
        answered = {
            int(m.data["reply_to_message"]["message_id"])
            for m in self.chat.alive()
            if not m.from_bot
            and (m.data.get("from") or {}).get("id") == self._user_id
            and isinstance(m.data.get("reply_to_message"), dict)
        }
        for stored in reversed(self.chat.alive()):
            if stored.from_bot and stored.message_id not in answered and self._prompted(stored):
                return ChatMessage.of(stored)
        return None

    async def answer_prompt(self, text: str, *, wait: bool = True) -> dict[str, Any]:
        """Type `text` into the reply field the bot's open prompt put up (see `open_prompt`)."""
        prompt = self.open_prompt
        if prompt is None:
            recent = [m.text[:60] for m in self.group.messages[-3:]]
            raise AssertionError(
                f"no open force_reply prompt for user {self.id} in {self.chat_id}; "
                f"latest bot messages: {recent}"
            )
        return await self.send_text(text, reply_to=prompt.message_id, wait=wait)

    async def answer_prompt_by_voice(
        self, duration: int = 3, *, data: bytes | None = None, wait: bool = True
    ) -> dict[str, Any]:
        """Record a voice note in the reply field of the bot's open prompt (see `open_prompt`)."""
        prompt = self.open_prompt
        if prompt is None:
            raise AssertionError(f"no open force_reply prompt for user {self.id} in {self.chat_id}")
        return await self.send_voice(duration, data=data, reply_to=prompt.message_id, wait=wait)

    def _prompted(self, message: StoredMessage) -> bool:
        force = message.sent_markup or {}
        if not force.get("force_reply"):
            return False
        if not force.get("selective"):
            return True
        replied = message.data.get("reply_to_message") or {}
        if (replied.get("from") or {}).get("id") == self._user_id:
            return True
        username = str(self.user.get("username") or "").lower()
        for entity in message.data.get("entities") or []:
            if entity.get("type") == "text_mention":
                if (entity.get("user") or {}).get("id") == self._user_id:
                    return True
            elif entity.get("type") == "mention" and username:
                mentioned = entity_text(str(message.data.get("text", "")), entity)
                if mentioned.lower() == "@" + username:
                    return True
        return False

    def _check_can_write(self) -> None:
        if self._user_id not in self.chat.members:
            raise AssertionError(f"user {self._user_id} is no longer in group {self.chat_id}")
        if self.chat.bot_status not in BOT_PRESENT:
            raise AssertionError(
                f"the bot is not in group {self.chat_id} ({self.chat.bot_status}); "
                "it would not see this"
            )

    def _mark_action(self) -> None:
        seq = self.api.state.tick()
        self._note_action(seq)
        self.group._note_action(seq)
