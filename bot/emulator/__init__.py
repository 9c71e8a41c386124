"""A local, strict fake of the Telegram Bot API for end-to-end tests and manual play.

Start `FakeBotAPI`, point an aiogram `Bot` at its `base_url`, then act as users with
`api.user(...)` and `api.group(...)`; see `server.py` for the server, `users.py` and
`groups.py` for the user actions, `privacy.py` for what the bot receives in groups (privacy
mode, on by default) and `flood.py` for optional Telegram-like rate limits. Every refused call
is recorded: `api.refused_calls()` lists them.
The same server shows a browser chat at ``/`` (`webui.py`, `livefeed.py`, `web/`).
"""

from bot.emulator.errors import APIError
from bot.emulator.faults import Delay, Fault
from bot.emulator.flood import FloodLimits, FloodRefusal
from bot.emulator.groups import GroupChat, GroupMember
from bot.emulator.ledger import DeliveredMessage
from bot.emulator.server import DEFAULT_TOKEN, FakeBotAPI
from bot.emulator.spec import BotAPISpec, load_spec, validate_call
from bot.emulator.state import Call, CallbackAnswer
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage

__all__ = [
    "DEFAULT_TOKEN",
    "APIError",
    "BotAPISpec",
    "Call",
    "CallbackAnswer",
    "ChatMessage",
    "ChatUser",
    "Delay",
    "DeliveredMessage",
    "FakeBotAPI",
    "Fault",
    "FloodLimits",
    "FloodRefusal",
    "GroupChat",
    "GroupMember",
    "load_spec",
    "validate_call",
]
