"""Who gets the weekly numbers: the coordinators' group of the community (street, district)
whose coordinators chose a day and hour, in its language; without a group, each of its
coordinators privately, in their own."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.i18n import recipient_locale
from bot.services.media import Upload


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    locale: str
    user_id: int | None = None


@dataclass(frozen=True)
class DrawnDigest:
    caption: str
    png: bytes
    png_name: str
    file_caption: str
    xlsx: bytes
    xlsx_name: str


async def digest_recipients(notifier: Notifier, node_id: int) -> list[Recipient]:
    chat = (await notifier.community(node_id)).coordinator_chat_id
    if chat is not None:
        return [Recipient(chat, await notifier.group_locale(chat))]
    default = notifier.settings.default_locale
    return [
        Recipient(person.telegram_id, recipient_locale(person, default), person.id)
        for person in await notifier.coordinators_of(node_id)
        if person.telegram_id is not None and person.unreachable_at is None
    ]


async def digest_ready(
    notifier: Notifier, recipients: list[Recipient], drawn: dict[str, DrawnDigest]
) -> int:
    """The chart with the summary under it, then the spreadsheet, to each recipient."""
    for recipient in recipients:
        digest = drawn[recipient.locale]
        for text, media in (
            (digest.caption, Upload("photo", digest.png_name, digest.png)),
            (digest.file_caption, Upload("document", digest.xlsx_name, digest.xlsx)),
        ):
            await notifier.tell_chat(
                recipient.chat_id,
                recipient.locale,
                words_only(lambda text=text: text),
                kind="numbers.digest",
                priority=Priority.NOTICE,
                user_id=recipient.user_id,
                media=media,
            )
    return len(recipients)
