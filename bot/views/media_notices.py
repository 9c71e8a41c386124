"""The few words that go with a voice note or photo a person sent, when the bot passes it on:
which request it belongs to, and who said it. Rendered in the language set by the caller."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.services.media import Media
from bot.services.requests import reference
from bot.views.request_notices import feedback
from storage.models import HelpRequest


def request_media(request: HelpRequest, media: Media) -> str:
    """Under the resident's own voice note or photo of her request (coordinators, the holder)."""
    if media.kind == "voice":
        return _("🎤 The resident's voice message, request no. {ref}").format(
            ref=reference(request)
        )
    return _("🖼 The resident's photo, request no. {ref}").format(ref=reference(request))


def question_by_voice(request: HelpRequest) -> str:
    """Under a coordinator's question said by voice (or shown in a photo), to the resident."""
    return _(
        "❓ A coordinator asks about your request no. {ref}. Please listen to the message 🎤"
    ).format(ref=reference(request))


def reason_by_voice() -> str:
    """In place of a reason the coordinator said by voice, to the resident."""
    return _("🎤 Please listen to the reason in this message.")


def answer_media(request: HelpRequest, media: Media) -> str:
    """Under the resident's answer to a question, sent by voice or as a photo, to coordinators."""
    if media.kind == "voice":
        return _("💬 The resident answers about request no. {ref} by voice 🎤").format(
            ref=reference(request)
        )
    return _("💬 The resident answers about request no. {ref} with a photo 🖼").format(
        ref=reference(request)
    )


def feedback_media(request: HelpRequest, media: Media) -> str:
    """The rating, and a comment said by voice or shown in a photo, to the coordinators."""
    by_voice = media.kind == "voice"
    line = _("💬 Comment by voice 🎤") if by_voice else _("💬 Comment with a photo 🖼")
    return feedback(request) + "\n" + line
