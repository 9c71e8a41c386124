"""Sending, editing and deleting messages, chat actions and callback query answers."""

from __future__ import annotations

import copy
import mimetypes
import re
import time
from typing import Any

from bot.emulator.errors import APIError, bad_request
from bot.emulator.files import MAX_UPLOAD_BYTES, StoredFile, UploadedFile
from bot.emulator.formatting import FormattedText, parse_text
from bot.emulator.markup import check_chat_allows, validate_reply_markup
from bot.emulator.state import CallbackAnswer, ChatState, EmulatorState, StoredMessage

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# What copyMessage copies: files (with their caption) and other content; service messages,
# polls' votes and the like are refused.
COPYABLE_MEDIA = ("photo", "voice", "document", "audio", "video", "animation", "video_note")
COPYABLE_OTHER = frozenset({"sticker", "contact", "location", "venue", "dice"})
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class Messaging:
    """Bot API methods that create or change messages."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # helpers

    def target_chat(self, params: dict[str, Any], *, sending: bool) -> ChatState:
        """The chat named by chat_id; 403 if the user blocked the bot or it left the group."""
        chat = self.state.chat(params["chat_id"])
        refusal = chat.refusal(sending=sending)
        if refusal is not None:
            raise refusal
        return chat

    def formatted(
        self, params: dict[str, Any], key: str, *, caption: bool = False
    ) -> FormattedText | None:
        """Parse text or caption with parse_mode and apply Telegram's length limits."""
        raw = params.get(key)
        if raw is None:
            return None
        entities_key = "caption_entities" if caption else "entities"
        if entities_key in params:
            result = FormattedText(raw, list(params[entities_key]))
        else:
            result = parse_text(raw, params.get("parse_mode"))
        result = self._user_mentions(result.stripped())
        visible = result.text
        if caption:
            if len(visible) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        elif not visible:
            raise bad_request("message text is empty")
        elif len(visible) > MAX_TEXT:
            raise bad_request("message is too long")
        return result

    def _user_mentions(self, result: FormattedText) -> FormattedText:
        """Links to tg://user?id=<id> of a known user become text_mention entities, as on
        Telegram (that is how a bot mentions someone who has no username)."""
        entities = []
        for entity in result.entities:
            match = _USER_LINK.fullmatch(str(entity.get("url", "")))
            chat = self.state.chats.get(int(match.group(1))) if match else None
            if entity.get("type") == "text_link" and chat is not None and chat.user is not None:
                entity = {k: v for k, v in entity.items() if k != "url"}
                entity.update(type="text_mention", user=chat.user)
            entities.append(entity)
        return FormattedText(result.text, entities)

    @staticmethod
    def markup(
        params: dict[str, Any], chat: ChatState, *, inline_only: bool = False
    ) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is not None:
            validate_reply_markup(markup, inline_only=inline_only)
            check_chat_allows(markup, chat.type)
        return markup

    def reply_to(self, chat: ChatState, params: dict[str, Any]) -> dict[str, Any]:
        """The reply_to_message field for reply_parameters, or nothing."""
        reply = params.get("reply_parameters")
        if not reply:
            return {}
        message = self.state.find_message(chat, int(reply.get("message_id", 0)))
        if message is None:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise bad_request("message to be replied not found")
        quoted = {k: v for k, v in message.data.items() if k != "reply_to_message"}
        return {"reply_to_message": quoted}

    def store_sent(
        self,
        chat: ChatState,
        content: dict[str, Any],
        markup: dict[str, Any] | None,
        *,
        source: str | None,
        parse_mode: str | None,
        file: StoredFile | None = None,
    ) -> dict[str, Any]:
        """Store a bot message and track the chat's reply keyboard like a Telegram client."""
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        message = self.state.add_message(
            chat, from_bot=True, content=content, source=source, parse_mode=parse_mode, file=file
        )
        message.sent_markup = markup
        self.state.delivered.record(chat.id, message.message_id, message.data, message.created_seq)
        if markup and "keyboard" in markup:
            chat.reply_keyboard = markup
            chat.reply_keyboard_message_id = message.message_id
        elif markup and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
            chat.reply_keyboard_message_id = None
        return message.data

    @staticmethod
    def text_fields(result: FormattedText | None, key: str) -> dict[str, Any]:
        if result is None or not result.text:
            return {}
        fields: dict[str, Any] = {key: result.text}
        if result.entities:
            fields["entities" if key == "text" else "caption_entities"] = result.entities
        return fields

    # sending

    async def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.target_chat(params, sending=True)
        text = self.formatted(params, "text")
        markup = self.markup(params, chat)
        content = {**self.reply_to(chat, params), **self.text_fields(text, "text")}
        return self.store_sent(
            chat, content, markup, source=params["text"], parse_mode=params.get("parse_mode")
        )

    async def send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def send_voice(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_media(params, "voice")

    async def _send_media(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self.target_chat(params, sending=True)
        caption = self.formatted(params, "caption", caption=True)
        markup = self.markup(params, chat)
        stored = self.input_file(params[kind], kind)
        content = {
            **self.reply_to(chat, params),
            kind: media_json(stored, kind, duration=params.get("duration")),
            **self.text_fields(caption, "caption"),
        }
        return self.store_sent(
            chat,
            content,
            markup,
            source=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            file=stored,
        )

    async def copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Send a copy of a message (a person's voice note, photo, words...) without a link to
        the original, as Telegram does: the same files, the caption replaced when one is given;
        the answer is only the new message's id."""
        chat = self.target_chat(params, sending=True)
        source = self.state.chat(params["from_chat_id"])
        original = self.state.find_message(source, int(params["message_id"]))
        if original is None:
            raise bad_request("message to copy not found")
        data = original.data
        media_kind = next((k for k in COPYABLE_MEDIA if k in data), None)
        if media_kind is None and "text" not in data and not COPYABLE_OTHER.intersection(data):
            raise bad_request("message can't be copied")
        content: dict[str, Any] = {
            k: copy.deepcopy(data[k])
            for k in (*COPYABLE_MEDIA, *COPYABLE_OTHER, "text", "entities")
            if k in data
        }
        text_source, parse_mode = original.source, original.parse_mode
        if media_kind is not None:
            content.update(
                {k: copy.deepcopy(data[k]) for k in ("caption", "caption_entities") if k in data}
            )
            if "caption" in params:
                caption = self.formatted(params, "caption", caption=True)
                content.pop("caption", None)
                content.pop("caption_entities", None)
                content.update(self.text_fields(caption, "caption"))
                text_source, parse_mode = params.get("caption"), params.get("parse_mode")
        markup = self.markup(params, chat)
        content = {**self.reply_to(chat, params), **content}
        file = original.file or self._file_of(data, media_kind)
        sent = self.store_sent(
            chat, content, markup, source=text_source, parse_mode=parse_mode, file=file
        )
        return {"message_id": sent["message_id"]}

    def _file_of(self, data: dict[str, Any], kind: str | None) -> StoredFile | None:
        """The stored file of a person's media message (their messages name it by id only)."""
        if kind is None:
            return None
        media = data[kind]
        first = media[-1] if isinstance(media, list) else media
        return self.state.files.get(str(first.get("file_id", "")))

    def input_file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Store an upload, or resolve a file_id / URL the way Telegram accepts them."""
        files = self.state.files
        if isinstance(value, UploadedFile):
            if value.size == 0:
                raise bad_request("file must be non-empty")
            if value.size > MAX_UPLOAD_BYTES:
                raise APIError(413, "Request Entity Too Large")
            stored = files.add(
                kind,
                value.data,
                file_name=value.filename if kind == "document" else None,
                mime_type=_mime_type(value, kind),
            )
            if kind == "photo" and not stored.width:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return stored
        if value.startswith(("http://", "https://")):
            return files.add(kind, b"", url=value, file_name=value.rsplit("/", 1)[-1] or None)
        known = files.get(value)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if known.kind != kind:
            raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
        return known

    async def send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self.target_chat(params, sending=True)
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.chat_actions.append(params["action"])
        self.state.tick()
        self.state.feed.notify()
        return True

    # editing and deleting

    def edit_target(self, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the fake server")
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self.target_chat(params, sending=False)
        message = self.state.find_message(chat, params["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    async def edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self.edit_target(params)
        if "text" not in message.data:
            raise bad_request("there is no text in the message to edit")
        text = self.formatted(params, "text")
        markup = self.markup(params, chat, inline_only=True)
        fields = self.text_fields(text, "text")
        self._apply_edit(message, fields, ("text", "entities"), markup)
        message.source, message.parse_mode = params["text"], params.get("parse_mode")
        return message.data

    async def edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self.edit_target(params)
        if message.file is None:
            raise bad_request("there is no caption in the message to edit")
        caption = self.formatted(params, "caption", caption=True)
        markup = self.markup(params, chat, inline_only=True)
        fields = self.text_fields(caption, "caption")
        self._apply_edit(message, fields, ("caption", "caption_entities"), markup)
        message.source, message.parse_mode = params.get("caption"), params.get("parse_mode")
        return message.data

    async def edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self.edit_target(params)
        markup = self.markup(params, chat, inline_only=True)
        self._apply_edit(message, {}, (), markup)
        return message.data

    def _apply_edit(
        self,
        message: StoredMessage,
        fields: dict[str, Any],
        keys: tuple[str, ...],
        markup: dict[str, Any] | None,
    ) -> None:
        """Replace content keys and the inline keyboard (omitted or empty markup removes it)."""
        if markup is not None and not any(markup.get("inline_keyboard") or []):
            markup = None  # an empty keyboard is no keyboard, also when comparing
        data = message.data
        same_content = all(data.get(k) == fields.get(k) for k in keys)
        if same_content and data.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        for key in keys:
            data.pop(key, None)
        data.update(fields)
        if markup is None:
            data.pop("reply_markup", None)
        else:
            data["reply_markup"] = markup
        data["edit_date"] = self.state.now()
        message.edited = True
        self.state.mark_changed(message)

    async def delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.target_chat(params, sending=False)
        message = self.state.find_message(chat, params["message_id"])
        if message is None:
            raise bad_request("message to delete not found")
        self.state.delete_message(chat, message)
        return True

    async def delete_messages(self, params: dict[str, Any]) -> bool:
        chat = self.target_chat(params, sending=False)
        ids = params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            message = self.state.find_message(chat, int(message_id))
            if message is not None:
                self.state.delete_message(chat, message)
        return True

    # callback queries

    async def answer_callback_query(self, params: dict[str, Any]) -> bool:
        text = params.get("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self.state.callback_queries.get(params["callback_query_id"])
        expired = query is not None and (
            time.monotonic() - query.created_at > self.state.callback_timeout
        )
        if query is None or query.answer is not None or expired:
            raise bad_request(QUERY_TOO_OLD)
        query.answer = CallbackAnswer(
            query_id=query.id,
            data=query.data,
            text=text,
            show_alert=bool(params.get("show_alert", False)),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
        )
        self.state.tick()
        self.state.feed.notify()
        return True


def media_json(stored: StoredFile, kind: str, *, duration: int | None = None) -> Any:
    """The Document / PhotoSize array / Voice object Telegram returns for a file."""
    base: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if kind == "photo":
        return [{**base, "width": stored.width, "height": stored.height}]
    if kind == "voice":
        return {
            **base,
            "duration": int(duration or stored.duration or 1),
            "mime_type": stored.mime_type or "audio/ogg",
        }
    if stored.file_name:
        base["file_name"] = stored.file_name
    if stored.mime_type:
        base["mime_type"] = stored.mime_type
    return base


def _mime_type(upload: UploadedFile, kind: str) -> str | None:
    guessed, _ = mimetypes.guess_type(upload.filename)
    if guessed:
        return guessed
    if upload.content_type and upload.content_type != "application/octet-stream":
        return upload.content_type
    return "audio/ogg" if kind == "voice" else None
