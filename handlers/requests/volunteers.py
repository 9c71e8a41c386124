"""Coordinators approve or decline a volunteer's registration, with the buttons of the card the
bot posted (in their group, or privately)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import VolunteerDecision
from bot.context import UpdateContext
from bot.policy.notify import requests as notify
from bot.policy.permissions import Action
from bot.services import volunteers
from bot.services.errors import NotAllowed, OutsideCommunity, VolunteerNotApproved
from bot.views import volunteering as views
from bot.views.request_keyboards import volunteer_decision_keyboard
from handlers.audience import PRIVATE, for_audience
from handlers.replies import retire_buttons, stale_button_text
from storage.models import VolunteerStatus


def _coordinators_only() -> str:
    return _("Only coordinators can approve volunteers.")


async def show_waiting_volunteers(message: Message, ctx: UpdateContext) -> None:
    """/volunteers: the registrations still to decide, each card with its two buttons."""
    waiting, total = await volunteers.waiting_volunteers(
        ctx.session, ctx.person, settings=ctx.settings
    )
    await message.answer(views.waiting_volunteers_text(len(waiting), total))
    for volunteer, profile in waiting:
        await message.answer(
            views.registration_card(volunteer, profile.skills, profile.languages),
            reply_markup=volunteer_decision_keyboard(volunteer.id),
        )


async def decided_volunteer(
    callback: CallbackQuery, callback_data: VolunteerDecision, ctx: UpdateContext
) -> None:
    """Approve or decline a volunteer; a second or stale press shows the decision made."""
    in_group = callback.message is not None and callback.message.chat.type != "private"
    locale = ctx.group_language() if in_group else ctx.i18n.current_locale
    try:
        volunteer, profile = await volunteers.decide_volunteer(
            ctx.session,
            ctx.person,
            callback_data.volunteer_id,
            approve=callback_data.approve,
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except VolunteerNotApproved:  # decided already, maybe by someone else
        registration = await volunteers.registration_of(ctx.session, callback_data.volunteer_id)
        assert registration is not None
        decided, decider = registration
        with ctx.i18n.use_locale(locale):
            note = views.decision_note(decided.status is VolunteerStatus.APPROVED, decider)
        await callback.answer(note, show_alert=True)
        await retire_buttons(callback, note)
        return
    except OutsideCommunity:  # a volunteer of a community the presser does not look after
        await callback.answer(stale_button_text(), show_alert=True)
        return
    except NotAllowed:
        await callback.answer(_("This volunteer is no longer registered."), show_alert=True)
        await retire_buttons(callback)
        return
    await notify.volunteer_decided(ctx.notifier, volunteer, profile)
    with ctx.i18n.use_locale(locale):
        note = views.decision_note(callback_data.approve, ctx.person)
    await callback.answer(note)
    await retire_buttons(callback, note)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(
        Router(name="volunteer_decisions"), Action.APPROVE_VOLUNTEERS, _coordinators_only
    )
    router.message.register(show_waiting_volunteers, PRIVATE, Command("volunteers"))
    router.callback_query.register(decided_volunteer, VolunteerDecision.filter())
    return router
