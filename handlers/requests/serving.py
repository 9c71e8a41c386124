"""A volunteer serving one more community (/serve): they choose it, its coordinators approve
or decline with the buttons of the card the bot sends them, and the volunteer is told. From
then on they see and take that community's tasks too."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ServeChoice, ServeDecision
from bot.context import UpdateContext
from bot.policy.notify import serving as notify
from bot.policy.permissions import Action, is_coordinator
from bot.services import volunteers
from bot.services.errors import NotAllowed, VolunteerNotApproved
from bot.views import volunteering as views
from handlers.audience import PRIVATE
from handlers.replies import edit_pressed, retire_buttons, stale_button_text
from handlers.requests.tasks import not_allowed_text


async def start_serving(message: Message, ctx: UpdateContext) -> None:
    """The communities they do not serve yet, as big buttons (or kindly, that there is none)."""
    if is_coordinator(ctx.person):
        await message.answer(
            _("As a coordinator you act for your whole community already. Thank you!")
        )
        return
    try:
        offered, every = await volunteers.communities_to_serve(
            ctx.session, ctx.settings, ctx.person
        )
    except (NotAllowed, VolunteerNotApproved):
        await message.answer(await not_allowed_text(ctx))
        return
    if not offered:
        await message.answer(views.no_other_community_text(only_one=every <= 1))
        return
    await message.answer(views.serve_question(), reply_markup=views.serve_keyboard(offered))


async def chose_community(
    callback: CallbackQuery, callback_data: ServeChoice, ctx: UpdateContext
) -> None:
    try:
        community = await volunteers.ask_to_serve(
            ctx.session, ctx.settings, ctx.person, callback_data.community_id, clock=ctx.clock
        )
    except (NotAllowed, VolunteerNotApproved):  # served already, gone, or forged
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert ctx.person is not None
    await notify.serve_asked(ctx.notifier, ctx.person, community)
    await callback.answer()
    await edit_pressed(callback, views.serve_asked_text(community.name), None)


async def decided_serving(
    callback: CallbackQuery, callback_data: ServeDecision, ctx: UpdateContext
) -> None:
    """A coordinator of the community says yes or no; a second or stale press shows that it
    was answered, a press by a coordinator of another community changes nothing."""
    if not ctx.may(Action.APPROVE_VOLUNTEERS):
        await callback.answer(_("Only coordinators can approve volunteers."), show_alert=True)
        return
    in_group = callback.message is not None and callback.message.chat.type != "private"
    locale = ctx.group_language() if in_group else ctx.i18n.current_locale
    try:
        volunteer, community = await volunteers.decide_serving(
            ctx.session,
            ctx.settings,
            ctx.person,
            callback_data.volunteer_id,
            callback_data.community_id,
            approve=callback_data.approve,
            clock=ctx.clock,
        )
    except VolunteerNotApproved:  # answered already, maybe by someone else
        serves = await volunteers.serves(
            ctx.session, ctx.settings, callback_data.volunteer_id, callback_data.community_id
        )
        with ctx.i18n.use_locale(locale):
            note = views.serve_answered_note(serves)
        await callback.answer(note, show_alert=True)
        await retire_buttons(callback, note)
        return
    except NotAllowed:  # another community's, or the volunteer is gone: a forged button
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await notify.serve_decided(ctx.notifier, volunteer, community, approved=callback_data.approve)
    with ctx.i18n.use_locale(locale):
        note = views.decision_note(callback_data.approve, ctx.person)
    await callback.answer(note)
    await retire_buttons(callback, note)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="serving")
    router.message.register(start_serving, PRIVATE, Command("serve"))
    router.callback_query.register(chose_community, ServeChoice.filter())
    router.callback_query.register(decided_serving, ServeDecision.filter())
    return router
