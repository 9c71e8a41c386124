"""The coordinator's queue (/waiting): the requests of their communities that wait to be
checked or taken, each a button bringing its card (the card's steps are in `review`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import review
from bot.views import request_queue as views
from handlers.audience import PRIVATE, for_audience


def _coordinators_only() -> str:
    return _("Only coordinators can do this.")


async def show_waiting(message: Message, ctx: UpdateContext) -> None:
    found, total, names = await review.waiting_requests(
        ctx.session, ctx.person, settings=ctx.settings
    )
    text, markup = views.queue(found, total, names)
    await message.answer(text, reply_markup=markup)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="request_queue")
    router.message.register(show_waiting, PRIVATE, Command("waiting"))
    return for_audience(router, Action.REVIEW_REQUESTS, _coordinators_only)
