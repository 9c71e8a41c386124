"""The set-up wizard's buttons. Callback data is never trusted: every press is checked against
the presser's role (`bot.policy.permissions`), the conversation's step and whose conversation
it is; the service checks the plan again, so forged, stale and double taps change nothing and
get a kind answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot, html
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinSetupStep, number_in
from bot.context import UpdateContext
from bot.policy.notify import checkins as notify
from bot.policy.permissions import Action
from bot.services import checkins
from bot.services.errors import (
    CheckinLimitReached,
    CheckinPlanActive,
    CheckinTimesInvalid,
    DomainError,
    NotAllowed,
)
from bot.services.schedule import EVERY_DAY
from bot.views import checkin_setup as views
from bot.views.words import join_items
from handlers.checkins.common import already_on, only_coordinators, person, quiet
from handlers.checkins.setup import (
    ENROL,
    SELF,
    CheckinSetup,
    add_time,
    begin_times,
    own_plan_to_agree,
    propose,
    question,
    residents_page,
    volunteers_page,
)
from handlers.replies import edit_pressed, not_yours_text, retire_buttons, send_main_menu
from handlers.replies import stale_button_text as stale
from handlers.wizard import pressed_then_ask
from storage.models import User

ACTION_STEP = {
    "who": CheckinSetup.resident,
    "rpage": CheckinSetup.resident,
    "time": CheckinSetup.times,
    "typetime": CheckinSetup.times,
    "timesdone": CheckinSetup.times,
    "day": CheckinSetup.pick_days,
    "daysdone": CheckinSetup.pick_days,
    "vol": CheckinSetup.volunteers,
    "vpage": CheckinSetup.volunteers,
    "voldone": CheckinSetup.volunteers,
    "phone": CheckinSetup.volunteers,
    "contactdone": CheckinSetup.contact,
    "send": CheckinSetup.confirm,
    "restart": CheckinSetup.confirm,
    "cancel": CheckinSetup.confirm,
}
"""Which step of the conversation each set-up button belongs to."""
COORDINATOR_ACTIONS = {"who", "rpage", "vol", "vpage", "voldone", "phone", "send"}


@dataclass
class _Step:
    """Everything one set-up button needs, passed as one."""

    callback: CallbackQuery
    value: str
    state: FSMContext
    data: dict[str, Any]
    ctx: UpdateContext
    bot: Bot

    @property
    def user(self) -> User:
        return person(self.ctx)

    async def refuse(self, text: str) -> None:
        await self.callback.answer(text, show_alert=True)

    async def next(self, step: State, note: str | None = None) -> None:
        """The press moved the wizard on: retire the buttons (showing `note`), ask `step`."""
        asked = await question(self.ctx, step.state, await self.state.get_data())
        assert asked is not None
        await pressed_then_ask(self.callback, self.state, step, *asked, note=note)

    async def done(self, note: str | None, text: str) -> None:
        """The press ended the wizard: retire the buttons (showing `note`), the menu again."""
        await self.state.clear()
        await self.callback.answer()
        await retire_buttons(self.callback, note)
        await send_main_menu(self.bot, self.callback.from_user.id, self.user, text)


async def setup_step(
    callback: CallbackQuery,
    callback_data: CheckinSetupStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """Every set-up button: checked against the presser's role and the conversation's step."""
    action = callback_data.action
    data = await state.get_data()
    step = _Step(callback, callback_data.value, state, data, ctx, bot)
    if action == "self":
        await _start_self(step)
        return
    if action in COORDINATOR_ACTIONS and not ctx.may(Action.PLAN_CHECKINS):
        await step.refuse(only_coordinators())
        return
    expected = ACTION_STEP.get(action)
    if (
        expected is None
        or await state.get_state() != expected.state
        or not _may_continue(ctx, data)
    ):
        await step.refuse(stale())
        return
    await BUTTONS[action](step)


def _may_continue(ctx: UpdateContext, data: dict[str, Any]) -> bool:
    """The conversation is still the presser's to continue with the role they have now."""
    if data.get("mode") == SELF:
        return ctx.may(Action.HAVE_CHECKINS) and data.get("resident_id") == person(ctx).id
    return ctx.may(Action.PLAN_CHECKINS)


# ---- whom ---------------------------------------------------------------------------------


async def _start_self(step: _Step) -> None:
    """ "🔔 Yes, set it up": a resident without active check-ins sets up their own."""
    try:
        resident = await checkins.ready_for_plan(
            step.ctx.session, step.user, step.user.id, settings=step.ctx.settings
        )
    except CheckinPlanActive:
        await step.refuse(already_on())
        await retire_buttons(step.callback)
        return
    except DomainError:
        await step.refuse(not_yours_text())
        return
    await begin_times(step.state, mode=SELF, resident_id=resident.id, name=resident.display_name)
    await step.next(CheckinSetup.times, _("🔔 Yes, set it up"))


async def _chose_resident(step: _Step) -> None:
    resident_id = number_in(step.value)
    try:
        if resident_id is None:
            raise NotAllowed()
        resident = await checkins.ready_for_plan(
            step.ctx.session, step.user, resident_id, settings=step.ctx.settings
        )
    except DomainError as error:
        await step.refuse(_cannot_enrol(error))
        return
    await begin_times(step.state, mode=ENROL, resident_id=resident.id, name=resident.display_name)
    await step.next(CheckinSetup.times, "👤 " + (resident.display_name or "—"))


def _cannot_enrol(error: DomainError) -> str:
    if isinstance(error, CheckinPlanActive):
        return _("{name} already has daily check-ins.").format(name=error.resident_name or "—")
    return _("This person is no longer a registered resident.")


async def _resident_page_turned(step: _Step) -> None:
    await step.callback.answer()
    await step.state.update_data(offset=number_in(step.value) or 0)
    (text, markup), _total = await residents_page(step.ctx, await step.state.get_data())
    await edit_pressed(step.callback, text, markup)


# ---- when ---------------------------------------------------------------------------------


async def _toggled_time(step: _Step) -> None:
    label = views.time_from_value(step.value)
    chosen: list[str] = list(step.data.get("times", []))
    if not label or (label not in views.TIME_CHOICES and label not in chosen):
        await step.refuse(stale())
        return
    if label in chosen:
        chosen.remove(label)
    else:
        chosen, refusal = await add_time(label, chosen, step.ctx, step.data)
        if refusal:
            await step.refuse(refusal)
            return
    await step.callback.answer()
    await step.state.update_data(times=sorted(chosen))
    await edit_pressed(step.callback, None, views.times_keyboard(chosen))


async def _wants_to_type_time(step: _Step) -> None:
    await step.callback.answer()
    await step.bot.send_message(
        step.callback.from_user.id, _("⌨️ Type the time, for example 14:30.")
    )


async def _times_done(step: _Step) -> None:
    """ "📅 Every day", "💼 Monday to Friday" or "✏️ Pick the days" under the times: the times
    are chosen, and the days with them."""
    choices = {"all": list(EVERY_DAY), "weekdays": list(views.WEEKDAYS), "pick": []}
    if step.value not in choices:
        await step.refuse(stale())
        return
    try:
        times = checkins.clean_times(step.data.get("times", []), await quiet(step.ctx, step.data))
    except CheckinTimesInvalid:
        await step.refuse(_("Please tap at least one time first."))
        return
    days = choices[step.value]
    await step.state.update_data(times=times, days=days)
    note = "🕘 " + views.times_label(times)
    if not days:
        await step.next(CheckinSetup.pick_days, note)
        return
    await _after_days(step, days, note + " · ")


async def _toggled_day(step: _Step) -> None:
    if number_in(step.value) not in EVERY_DAY:
        await step.refuse(stale())
        return
    day = int(step.value)
    days: list[int] = list(step.data.get("days", []))
    days = sorted(set(days) - {day}) if day in days else sorted({*days, day})
    await step.callback.answer()
    await step.state.update_data(days=days)
    await edit_pressed(step.callback, None, views.pick_days_keyboard(days))


async def _days_done(step: _Step) -> None:
    days = step.data.get("days", [])
    if not days:
        await step.refuse(_("Please tap at least one day first."))
        return
    await _after_days(step, days)


async def _after_days(step: _Step, days: list[int], note: str = "") -> None:
    """Coordinators choose volunteers next; a resident goes on to an emergency contact."""
    after = CheckinSetup.contact if step.data.get("mode") == SELF else CheckinSetup.volunteers
    await step.next(after, note + "📅 " + views.days_label(days))


# ---- who is told --------------------------------------------------------------------------


async def _toggled_volunteer(step: _Step) -> None:
    chosen: list[int] = list(step.data.get("volunteers", []))
    names: dict[str, str] = dict(step.data.get("volunteer_names", {}))
    volunteer_id = number_in(step.value) or 0
    if volunteer_id in chosen:
        chosen.remove(volunteer_id)
    else:
        try:
            volunteer = await checkins.volunteer_to_add(
                step.ctx.session,
                step.user,
                volunteer_id,
                resident_id=int(step.data["resident_id"]),
                chosen=len(chosen),
                settings=step.ctx.settings,
            )
        except CheckinLimitReached as full:
            await step.refuse(
                _("{limit} volunteers at most. Tap a chosen one to remove it first.").format(
                    limit=full.limit
                )
            )
            return
        except DomainError:
            await step.refuse(_("This volunteer can no longer be chosen."))
            return
        chosen.append(volunteer_id)
        names[str(volunteer_id)] = volunteer.display_name or "—"
    await step.callback.answer()
    await step.state.update_data(volunteers=chosen, volunteer_names=names)
    _text, markup = await volunteers_page(step.ctx, await step.state.get_data())
    await edit_pressed(step.callback, None, markup)


async def _volunteer_page_turned(step: _Step) -> None:
    await step.callback.answer()
    await step.state.update_data(voffset=number_in(step.value) or 0)
    text, markup = await volunteers_page(step.ctx, await step.state.get_data())
    await edit_pressed(step.callback, text, markup)


async def _volunteers_done(step: _Step) -> None:
    names = step.data.get("volunteer_names", {})
    chosen = [names.get(str(v), "—") for v in step.data.get("volunteers", [])]
    note = "🤝 " + join_items(chosen) if chosen else _("No volunteer for now")
    await step.next(CheckinSetup.confirm, note)


async def _wants_a_phone_contact(step: _Step) -> None:
    """ "☎️ Someone to phone as well": the people to phone are asked for only when wanted."""
    names = step.data.get("volunteer_names", {})
    chosen = [names.get(str(v), "—") for v in step.data.get("volunteers", [])]
    await step.next(CheckinSetup.contact, "🤝 " + join_items(chosen) if chosen else None)


async def _contacts_done(step: _Step) -> None:
    if step.data.get("mode") != SELF:
        await step.next(CheckinSetup.confirm)
        return
    await step.callback.answer()
    await retire_buttons(step.callback)
    if isinstance(step.callback.message, Message):
        await own_plan_to_agree(step.callback.message, step.state, step.ctx, step.bot)


# ---- the summary --------------------------------------------------------------------------


async def _send_to_resident(step: _Step) -> None:
    name = step.data["resident_name"]
    try:
        resident = await checkins.ready_for_plan(
            step.ctx.session, step.user, int(step.data["resident_id"]), settings=step.ctx.settings
        )
        plan = await propose(step.ctx, resident, step.data)
    except DomainError as error:
        await step.refuse(_cannot_enrol(error))
        await retire_buttons(step.callback)
        await step.state.clear()
        return
    links = await checkins.describe_chain(step.ctx.session, plan)
    await notify.plan_proposed(step.ctx.notifier, plan, links, resident, step.user)
    await step.done(
        _("📨 Sent to {name}").format(name=name),
        _("📨 Sent to {name}. I will tell you when they answer.").format(name=html.quote(name)),
    )


async def _restart(step: _Step) -> None:
    mode = step.data.get("mode", ENROL)
    resident_id, name = int(step.data["resident_id"]), step.data["resident_name"]
    await begin_times(step.state, mode=mode, resident_id=resident_id, name=name)
    await step.next(CheckinSetup.times, _("✏️ Start again"))


async def _cancel_draft(step: _Step) -> None:
    await step.done(_("✖️ Cancel"), _("OK, stopped. Nothing was changed."))


BUTTONS = {
    "who": _chose_resident,
    "rpage": _resident_page_turned,
    "time": _toggled_time,
    "typetime": _wants_to_type_time,
    "timesdone": _times_done,
    "day": _toggled_day,
    "daysdone": _days_done,
    "vol": _toggled_volunteer,
    "vpage": _volunteer_page_turned,
    "voldone": _volunteers_done,
    "phone": _wants_a_phone_contact,
    "contactdone": _contacts_done,
    "send": _send_to_resident,
    "restart": _restart,
    "cancel": _cancel_draft,
}
