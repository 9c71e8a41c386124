"""Who gets an hours certificate: the volunteer it is of, in their private chat, through the
outbox (queued in the transaction that issued it: the file exists if and only if the
certificate does), its caption in their language. The PNG goes as a document too: a photo
would be recompressed, and the certificate is kept as drawn."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.services.certificates import CertificateDraft
from bot.services.media import Upload
from bot.views import certificates as views
from storage.models import User


async def certificate_issued(
    notifier: Notifier, volunteer: User, draft: CertificateDraft, fmt: str, data: bytes
) -> None:
    await notifier.tell_user(
        volunteer,
        words_only(lambda: views.caption(draft)),
        kind="certificate",
        priority=Priority.NOTICE,
        media=Upload("document", views.file_name(draft, fmt), data),
    )
