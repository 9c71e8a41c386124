"""A local, strict fake of the Telegram Bot API for end-to-end tests and manual play.

Start `FakeBotAPI`, point an aiogram `Bot` at its `base_url`, then act as users with
`api.user(...)`; see `server.py` for the server and `users.py` for the user actions.
"""

from bot.emulator.errors import APIError
from bot.emulator.faults import Delay, Fault
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
    "FakeBotAPI",
    "Fault",
    "load_spec",
    "validate_call",
]
