"""📜 Certificate (from "⏱ My hours"): a volunteer's hours certificate as a PNG or a PDF.

The press on PNG or PDF reads what the certificate will say; answering the press commits that
read; the file is drawn off the event loop; then, in one transaction, the certificate is
recorded and the file queued to the volunteer's chat. The question's message is the press's
`source`: a double tap (or the same press again) issues one certificate and sends one file."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiogram import Router
from aiogram.enums import ChatAction
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CertificateStep
from bot.context import UpdateContext
from bot.policy.notify import certificates as notify
from bot.services import certificates
from bot.services.errors import NotAllowed, VolunteerNotApproved
from bot.views import certificates as views
from bot.views.render import certificate as drawing
from handlers.replies import retire_buttons, stale_button_text
from handlers.requests.tasks import not_allowed_text
from handlers.wizard import answer_now


async def _refused(callback: CallbackQuery, ctx: UpdateContext, error: Exception) -> None:
    if isinstance(error, certificates.NoCreditedTime):
        text = views.no_time_text()
    elif isinstance(error, certificates.AlreadyIssued):
        text = views.already_sent_text()
    else:
        text = await not_allowed_text(ctx)
    await callback.answer(text[:200], show_alert=True)


async def certificate_step(
    callback: CallbackQuery, callback_data: CertificateStep, ctx: UpdateContext
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(stale_button_text())
        return
    if message.chat.type != "private":
        await callback.answer(views.private_only_text(), show_alert=True)
        return
    refusals = (certificates.CertificateError, NotAllowed, VolunteerNotApproved)
    if callback_data.action == "ask":
        try:
            await certificates.may_have_one(ctx.session, ctx.settings, ctx.person)
        except refusals as error:
            await _refused(callback, ctx, error)
            return
        await callback.answer()
        await message.answer(views.which_file_text(), reply_markup=views.which_file_keyboard())
        return
    if callback_data.action not in ("png", "pdf"):
        await callback.answer(stale_button_text())
        return
    fmt: Literal["png", "pdf"] = "png" if callback_data.action == "png" else "pdf"
    source = f"cert:{message.chat.id}:{message.message_id}"
    try:
        draft = await certificates.draft_certificate(
            ctx.session, ctx.settings, ctx.person, source=source, clock=ctx.clock
        )
    except refusals as error:
        await _refused(callback, ctx, error)
        return
    await answer_now(callback)  # a request to Telegram: the read is committed
    await retire_buttons(callback, views.file_label(fmt))
    if message.bot is not None:
        await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    words = views.certificate_words(draft, ctx.locale)
    data = await asyncio.to_thread(drawing.draw, words, fmt, ctx.locale)
    try:
        await certificates.issue_certificate(ctx.session, ctx.person, draft, source=source)
    except certificates.AlreadyIssued:
        return  # the same press, taken meanwhile by another process: its file is on its way
    assert ctx.person is not None
    await notify.certificate_issued(ctx.notifier, ctx.person, draft, fmt, data)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="certificates")
    router.callback_query.register(certificate_step, CertificateStep.filter())
    return router
