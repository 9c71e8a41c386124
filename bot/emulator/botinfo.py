"""Bot-level methods: identity, command lists, descriptions, menu button, chats, files."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.emulator.errors import bad_request
from bot.emulator.rights import ADMIN_RIGHTS
from bot.emulator.state import ChatState, EmulatorState

COMMAND_RE = re.compile(r"[a-z0-9_]+")
LANGUAGE_RE = re.compile(r"(?:[a-z]{2})?")
MAX_COMMANDS = 100
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}
DEFAULT_SCOPE = {"type": "default"}


def scope_key(scope: dict[str, Any] | None) -> str:
    """Canonical text of a BotCommandScope, used as part of the storage key."""
    return json.dumps(scope or DEFAULT_SCOPE, sort_keys=True, separators=(",", ":"))


class BotInfo:
    """Methods about the bot itself rather than about messages."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.state.bot_user

    async def log_out(self, params: dict[str, Any]) -> bool:
        return True

    async def close(self, params: dict[str, Any]) -> bool:
        return True

    # commands

    def _language(self, params: dict[str, Any]) -> str:
        language = str(params.get("language_code", ""))
        if not LANGUAGE_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return language

    def _scope(self, params: dict[str, Any]) -> str:
        scope = dict(params.get("scope") or DEFAULT_SCOPE)
        if scope.get("type") not in SCOPE_TYPES:
            raise bad_request("wrong bot command scope type specified")
        if "chat_id" in scope:
            if isinstance(scope["chat_id"], str) and scope["chat_id"].lstrip("-").isdigit():
                scope["chat_id"] = int(scope["chat_id"])
            self.state.chat(scope["chat_id"])
        elif scope["type"] in ("chat", "chat_administrators", "chat_member"):
            raise bad_request("chat_id is empty")
        return scope_key(scope)

    async def set_my_commands(self, params: dict[str, Any]) -> bool:
        key = (self._scope(params), self._language(params))
        commands = [_checked_command(item) for item in params["commands"]]
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        if commands:
            self.state.commands[key] = commands
        else:
            self.state.commands.pop(key, None)
        self.state.tick()
        self.state.feed.notify()
        return True

    async def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        key = (self._scope(params), self._language(params))
        return list(self.state.commands.get(key, []))

    async def delete_my_commands(self, params: dict[str, Any]) -> bool:
        key = (self._scope(params), self._language(params))
        self.state.commands.pop(key, None)
        self.state.feed.notify()
        return True

    # name and descriptions

    def _set_text(self, params: dict[str, Any], kind: str) -> bool:
        language = self._language(params)
        text = str(params.get(kind, ""))
        if len(text) > TEXT_LIMITS[kind]:
            raise bad_request(f"bot {kind.replace('_', ' ')} is too long")
        if text:
            self.state.bot_texts[(kind, language)] = text
        else:
            self.state.bot_texts.pop((kind, language), None)
        self.state.feed.notify()
        return True

    def _get_text(self, params: dict[str, Any], kind: str) -> dict[str, str]:
        language = self._language(params)
        default = self.state.bot_user["first_name"] if kind == "name" and not language else ""
        return {kind: self.state.bot_texts.get((kind, language), default)}

    async def set_my_description(self, params: dict[str, Any]) -> bool:
        return self._set_text(params, "description")

    async def get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_text(params, "description")

    async def set_my_short_description(self, params: dict[str, Any]) -> bool:
        return self._set_text(params, "short_description")

    async def get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_text(params, "short_description")

    async def set_my_name(self, params: dict[str, Any]) -> bool:
        return self._set_text(params, "name")

    async def get_my_name(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_text(params, "name")

    # menu button, chats, files

    async def set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button: unsupported type")
        if "chat_id" in params:
            self.state.chat(params["chat_id"]).menu_button = button
        else:
            self.state.default_menu_button = button
        self.state.feed.notify()
        return True

    async def get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        if "chat_id" in params:
            button = self.state.chat(params["chat_id"]).menu_button
            if button is not None:
                return button
        return self.state.default_menu_button

    def _visible_chat(self, chat_id: int | str) -> ChatState:
        """A chat the bot may look at: groups it was removed from answer 403."""
        chat = self.state.chat(chat_id)
        refusal = chat.refusal(sending=False)
        if refusal is not None:
            raise refusal
        return chat

    async def get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._visible_chat(params["chat_id"])
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._visible_chat(params["chat_id"])
        user_id = params["user_id"]
        if user_id == self.state.bot_user["id"]:
            rights = ADMIN_RIGHTS if chat.bot_status == "administrator" else {}
            return {"status": chat.bot_status, "user": self.state.bot_user, **rights}
        if chat.user is not None and chat.user["id"] == user_id:
            return {"status": "member", "user": chat.user}
        if not chat.is_private and user_id in self.state.chats:
            status = "member" if user_id in chat.members else "left"
            return {"status": status, "user": self.state.user_info(user_id)}
        raise bad_request("PARTICIPANT_ID_INVALID")

    async def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.state.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file_json()


def _checked_command(item: Any) -> dict[str, str]:
    """Validate one BotCommand as Telegram does (a leading "/" is tolerated and removed)."""
    if not isinstance(item, dict):
        raise bad_request("can't parse BotCommand: object expected")
    command = str(item.get("command", "")).strip().removeprefix("/")
    description = str(item.get("description", "")).strip()
    if not command:
        raise bad_request("command must be non-empty")
    if len(command) > 32:
        raise bad_request("command length must not exceed 32")
    if not COMMAND_RE.fullmatch(command):
        raise bad_request("BOT_COMMAND_INVALID")
    if not description:
        raise bad_request("command description must be non-empty")
    if len(description) > 256:
        raise bad_request("command description length must not exceed 256")
    return {"command": command, "description": description}


def visible_commands(
    state: EmulatorState, chat_id: int, language_code: str | None
) -> list[dict[str, str]]:
    """The command list a user of a private chat sees, resolved like Telegram's clients."""
    language = (language_code or "").split("-")[0].lower()
    scopes = [
        scope_key({"type": "chat", "chat_id": chat_id}),
        scope_key({"type": "all_private_chats"}),
        scope_key(DEFAULT_SCOPE),
    ]
    for scope in scopes:
        for lang in (language, ""):
            commands = state.commands.get((scope, lang))
            if commands:
                return commands
    return []
