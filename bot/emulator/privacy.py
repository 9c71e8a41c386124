"""Group privacy mode: which of the messages members send in a group Telegram gives the bot.

Telegram's rule (https://core.telegram.org/bots/features#privacy-mode): a bot with privacy
mode on (the default; @BotFather's /setprivacy turns it off) that is not an admin of the group
receives, of what members write there, only

- commands: ``/cmd`` and ``/cmd@its_username`` (``/cmd@another_bot`` goes to that bot only),
- replies to its own messages,
- messages that mention it (``@its_username``, or a text mention of the bot),

and, always, service messages (members joining or leaving, a new title, a pinned message)
and the callback queries of its own inline buttons. An admin bot, or one with privacy mode
off, receives every message. Telegram hands a bare ``/cmd`` to a bot only if it was the last
bot to write in the group; the emulator serves one bot, so that bot always was.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.state import ChatState, EmulatorState

SERVICE_KEYS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "pinned_message",
        "message_auto_delete_timer_changed",
    }
)


def reads_everything(state: EmulatorState, chat: ChatState) -> bool:
    """True where privacy mode does not apply: private chats, admin bots, privacy off."""
    return chat.is_private or not state.privacy_mode or chat.bot_status == "administrator"


def bot_receives(state: EmulatorState, chat: ChatState, message: dict[str, Any]) -> bool:
    """Whether Telegram would deliver this member's message in `chat` to the bot."""
    if reads_everything(state, chat) or SERVICE_KEYS.intersection(message):
        return True
    bot_id = int(state.bot_user["id"])
    replied = message.get("reply_to_message")
    if isinstance(replied, dict) and (replied.get("from") or {}).get("id") == bot_id:
        return True
    if "text" in message:
        text, entities = str(message["text"]), message.get("entities") or []
    else:
        text, entities = str(message.get("caption", "")), message.get("caption_entities") or []
    username = "@" + str(state.bot_user["username"]).lower()
    for entity in entities:
        kind = entity.get("type")
        if kind == "bot_command" and entity.get("offset") == 0:
            _command, _at, addressee = entity_text(text, entity).partition("@")
            if not addressee or "@" + addressee.lower() == username:
                return True
        if kind == "mention" and entity_text(text, entity).lower() == username:
            return True
        if kind == "text_mention" and (entity.get("user") or {}).get("id") == bot_id:
            return True
    return False


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers (entity offsets count UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    start = 2 * int(entity.get("offset", 0))
    end = start + 2 * int(entity.get("length", 0))
    return encoded[start:end].decode("utf-16-le", errors="ignore")
