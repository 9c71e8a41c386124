"""Fake Telegram users: the actions a person performs in a private chat with the bot.

Tests, the control API and the web UI all drive the bot through `ChatUser`, which builds
realistic updates, queues them for getUpdates and (by default) waits until the bot has
finished handling them. The actions shared with group members live in `actors.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.emulator.actors import DEFAULT_TIMEOUT, ChatActor, command_entities
from bot.emulator.botinfo import visible_commands
from bot.emulator.markup import button_labels

if TYPE_CHECKING:
    from bot.emulator.groups import GroupChat, GroupMember

__all__ = ["DEFAULT_TIMEOUT", "ChatUser", "command_entities"]


class ChatUser(ChatActor):
    """A user in a private chat with the bot (chat id == user id)."""

    # identity

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def user(self) -> dict[str, Any]:
        assert self.chat.user is not None
        return self.chat.user

    @property
    def language_code(self) -> str | None:
        return self.user.get("language_code")

    def __repr__(self) -> str:
        return f"ChatUser({self.id}, {self.user['first_name']!r})"

    def in_group(self, group: GroupChat | int) -> GroupMember:
        """This user acting in a group they are a member of."""
        chat_id = group if isinstance(group, int) else group.id
        if chat_id not in self.api.groups:
            raise AssertionError(f"no group {chat_id}; create it with api.group(...)")
        return self.api.groups[chat_id].as_user(self.id)

    # private-chat actions

    async def tap_reply(self, label: str, *, wait: bool = True) -> dict[str, Any]:
        """Press a button of the current reply keyboard."""
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            raise AssertionError(f"chat {self.id} has no reply keyboard; cannot press {label!r}")
        for row in keyboard["keyboard"]:
            for raw in row:
                button = {"text": raw} if isinstance(raw, str) else raw
                if button["text"] != label:
                    continue
                if button.get("request_contact"):
                    return await self.send_contact(wait=wait)
                if button.get("request_location"):
                    return await self.send_location(31.2304, 121.4737, wait=wait)
                special = [
                    k
                    for k in ("request_users", "request_chat", "request_poll", "web_app")
                    if k in button
                ]
                if special:
                    raise AssertionError(f"reply button {label!r} ({special[0]}) is not emulated")
                return await self.send_text(label, wait=wait)
        labels = button_labels(keyboard["keyboard"])
        raise AssertionError(f"no reply button {label!r} in chat {self.id}; keyboard: {labels}")

    async def block_bot(self, *, wait: bool = True) -> dict[str, Any]:
        """Block the bot: later sends get 403 and the bot receives my_chat_member."""
        self.chat.blocked = True
        return await self._member_change("member", "kicked", wait)

    async def unblock_bot(self, *, wait: bool = True) -> dict[str, Any]:
        self.chat.blocked = False
        return await self._member_change("kicked", "member", wait)

    # readers

    @property
    def commands(self) -> list[dict[str, str]]:
        """The command menu this user sees (scope and language resolved)."""
        return visible_commands(self.api.state, self.id, self.language_code)

    # internals

    def _check_can_write(self) -> None:
        if self.chat.blocked:
            raise AssertionError(f"user {self.id} has blocked the bot; call unblock_bot() first")
