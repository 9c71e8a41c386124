"""The table of Bot API methods the fake server implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator.botinfo import BotInfo
from bot.emulator.messaging import Messaging
from bot.emulator.polling import Polling
from bot.emulator.state import EmulatorState
from bot.emulator.webhook import Webhook

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def build_handlers(state: EmulatorState, webhook: Webhook) -> dict[str, Handler]:
    """Map canonical method names to their implementations."""
    polling = Polling(state)
    messaging = Messaging(state)
    info = BotInfo(state)
    return {
        "getUpdates": polling.get_updates,
        "getMe": info.get_me,
        "logOut": info.log_out,
        "close": info.close,
        "setWebhook": webhook.set_webhook,
        "deleteWebhook": webhook.delete_webhook,
        "getWebhookInfo": webhook.get_webhook_info,
        "setMyCommands": info.set_my_commands,
        "getMyCommands": info.get_my_commands,
        "deleteMyCommands": info.delete_my_commands,
        "setMyDescription": info.set_my_description,
        "getMyDescription": info.get_my_description,
        "setMyShortDescription": info.set_my_short_description,
        "getMyShortDescription": info.get_my_short_description,
        "setMyName": info.set_my_name,
        "getMyName": info.get_my_name,
        "setChatMenuButton": info.set_chat_menu_button,
        "getChatMenuButton": info.get_chat_menu_button,
        "getChat": info.get_chat,
        "getChatMember": info.get_chat_member,
        "getFile": info.get_file,
        "sendMessage": messaging.send_message,
        "sendDocument": messaging.send_document,
        "sendPhoto": messaging.send_photo,
        "sendVoice": messaging.send_voice,
        "copyMessage": messaging.copy_message,
        "sendChatAction": messaging.send_chat_action,
        "editMessageText": messaging.edit_message_text,
        "editMessageCaption": messaging.edit_message_caption,
        "editMessageReplyMarkup": messaging.edit_message_reply_markup,
        "deleteMessage": messaging.delete_message,
        "deleteMessages": messaging.delete_messages,
        "answerCallbackQuery": messaging.answer_callback_query,
    }
