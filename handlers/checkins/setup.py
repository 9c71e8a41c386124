"""Setting up daily check-ins, the wizard: a coordinator's /enrol (whom → times, ended by a tap
on the days → paired volunteers, and people to phone only if asked for → a summary of who will
be told, in order → "send to the resident to agree": /enrol and five taps for one time and no
contacts), and a resident's own from "🔔 Daily check-in" (times and days → someone to phone →
their plan at once, to agree to; the coordinators are always told).

Each step is an FSM state kept in the database, cleared by /cancel; every question is asked
through `question` and `handlers.wizard`. Typed answers are here (anything that cannot be used,
or a sticker where a button is expected, asks the step's question again, saying why); the
buttons are in `setup_steps`. The limits of a plan are the service's
(`bot.services.checkins.plans`)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import checkins
from bot.services.checkins import ContactDraft
from bot.services.errors import (
    CheckinLimitReached,
    CheckinPlanActive,
    CheckinTimeAtNight,
    DomainError,
    NameEmpty,
    NameTooLong,
    PhoneInvalid,
)
from bot.understanding.clock_times import clock_label, parse_clock_time
from bot.views import checkin_setup as views
from handlers.checkins.common import (
    already_on,
    bad_input_note,
    only_coordinators,
    person,
    quiet,
    timing,
)
from handlers.replies import send_main_menu
from handlers.wizard import ask
from storage.models import CheckinPlan, ContactKind, User

ENROL = "enrol"  # a coordinator sets up someone's check-ins
SELF = "self"  # a resident sets up their own


class CheckinSetup(StatesGroup):
    resident = State()  # a coordinator choosing whom (buttons, or a typed part of a name)
    times = State()  # ended by the days ("📅 Every day", "💼 Monday to Friday", "✏️ Pick")
    pick_days = State()
    volunteers = State()  # a coordinator only
    contact = State()  # typing "name phone" of someone to phone
    confirm = State()  # a coordinator's summary


Question = tuple[str, InlineKeyboardMarkup | None]


# ---- the questions ------------------------------------------------------------------------


async def residents_page(ctx: UpdateContext, data: dict[str, Any]) -> tuple[Question, int]:
    query, offset = data.get("query"), int(data.get("offset", 0))
    found, total = await checkins.residents_to_enrol(
        ctx.session,
        person(ctx),
        settings=ctx.settings,
        name=query,
        limit=views.PAGE_SIZE,
        offset=offset,
    )
    if not found and offset:
        offset = 0
        found, total = await checkins.residents_to_enrol(
            ctx.session,
            person(ctx),
            settings=ctx.settings,
            name=query,
            limit=views.PAGE_SIZE,
            offset=0,
        )
    text = views.residents_question(query, total)
    if query and not total:
        text += "\n" + _("Nobody found. Type another part of the name.")
    return (text, views.residents_keyboard(found, offset, total) if found else None), total


async def volunteers_page(ctx: UpdateContext, data: dict[str, Any]) -> Question:
    query, offset = data.get("vquery"), int(data.get("voffset", 0))
    try:
        found, total = await checkins.volunteers_for_chain(
            ctx.session,
            person(ctx),
            int(data["resident_id"]),
            settings=ctx.settings,
            name=query,
            limit=views.PAGE_SIZE,
            offset=offset,
        )
    except DomainError:  # the resident is no longer one they act for: nobody to choose
        found, total = [], 0
    text = views.volunteers_question(data["resident_name"], query, total)
    return text, views.volunteers_keyboard(found, data.get("volunteers", []), offset, total)


def _draft(data: dict[str, Any], ctx: UpdateContext) -> views.DraftPlan:
    names = data.get("volunteer_names", {})
    return views.DraftPlan(
        resident_name=data["resident_name"],
        times=data.get("times", []),
        days=data.get("days", []),
        links=views.draft_links(
            [names.get(str(v), "—") for v in data.get("volunteers", [])],
            [(c["name"], c["phone"]) for c in data.get("contacts", [])],
        ),
        first_alert_minutes=ctx.settings.checkin_first_alert_minutes,
    )


async def question(ctx: UpdateContext, step: str | None, data: dict[str, Any]) -> Question | None:
    """The question of a step with its buttons, from what the conversation has noted so far
    (None: not a step of this wizard)."""
    name = None if data.get("mode") == SELF else data.get("resident_name")
    if step == CheckinSetup.resident.state:
        return (await residents_page(ctx, data))[0]
    if step == CheckinSetup.times.state:
        return views.times_question(name, await quiet(ctx, data)), views.times_keyboard(
            data.get("times", [])
        )
    if step == CheckinSetup.pick_days.state:
        return views.pick_days_question(), views.pick_days_keyboard(data.get("days", []))
    if step == CheckinSetup.volunteers.state:
        return await volunteers_page(ctx, data)
    if step == CheckinSetup.contact.state:
        return views.contact_question(name), views.contact_keyboard(len(data.get("contacts", [])))
    if step == CheckinSetup.confirm.state:
        return views.summary_text(_draft(data, ctx)), views.summary_keyboard(data["resident_name"])
    return None


async def repeat_question(
    message: Message, state: FSMContext, ctx: UpdateContext, note: str | None = None
) -> None:
    """The current step's question again, with `note` first (why it is asked again)."""
    asked = await question(ctx, await state.get_state(), await state.get_data())
    if asked is not None:
        text, markup = asked
        await ask(message, state, None, f"{note}\n\n{text}" if note else text, markup)


# ---- starting and finishing ---------------------------------------------------------------


async def start_enrol(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    if not ctx.may(Action.PLAN_CHECKINS):
        await message.answer(only_coordinators())
        return
    await state.clear()
    (text, markup), total = await residents_page(ctx, {})
    if not total:
        await send_main_menu(
            bot,
            message.chat.id,
            person(ctx),
            _("Every registered resident already has daily check-ins, or nobody has registered."),
        )
        return
    await state.update_data(mode=ENROL, query=None, offset=0)
    await ask(message, state, CheckinSetup.resident, text, markup)


async def begin_times(state: FSMContext, *, mode: str, resident_id: int, name: str | None) -> None:
    """What the wizard notes when it comes to the times: whom, and nothing chosen yet."""
    await state.update_data(
        mode=mode,
        resident_id=resident_id,
        resident_name=name or "—",
        times=[],
        days=[],
        volunteers=[],
        volunteer_names={},
        contacts=[],
        vquery=None,
        voffset=0,
    )


async def propose(ctx: UpdateContext, resident: User, data: dict[str, Any]) -> CheckinPlan:
    """Write the plan the conversation gathered (the service refuses one over an active plan,
    and one outside its limits); it starts only when the resident agrees."""
    contacts = [
        ContactDraft(ContactKind.VOLUNTEER, user_id=volunteer_id)
        for volunteer_id in data.get("volunteers", [])
    ]
    contacts += [
        ContactDraft(ContactKind.PHONE, name=c["name"], phone=c["phone"])
        for c in data.get("contacts", [])
    ]
    return await checkins.propose_plan(
        ctx.session,
        person(ctx),
        resident,
        times=data["times"],
        weekdays=data["days"],
        contacts=contacts,
        timing=timing(ctx.settings),
        quiet=await quiet(ctx, data),
        clock=ctx.clock,
    )


async def ask_step(message: Message, state: FSMContext, ctx: UpdateContext, step: State) -> None:
    """Move to `step` and ask its question (after a typed answer)."""
    asked = await question(ctx, step.state, await state.get_data())
    assert asked is not None
    await ask(message, state, step, *asked)


async def own_plan_to_agree(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """A resident's own set-up ends with their plan written, shown at once to agree to."""
    data = await state.get_data()
    await state.clear()
    resident, chat_id = person(ctx), message.chat.id
    try:
        plan = await propose(ctx, resident, data)
    except CheckinPlanActive:
        await send_main_menu(bot, chat_id, resident, already_on())
        return
    except DomainError:
        await send_main_menu(bot, chat_id, resident, _("Sorry, that is not possible now."))
        return
    links = await checkins.describe_chain(ctx.session, plan)
    await bot.send_message(
        chat_id, views.proposal_text(plan, links, None), reply_markup=views.proposal_keyboard(plan)
    )


# ---- typed answers ------------------------------------------------------------------------


async def add_time(
    label: str, chosen: list[str], ctx: UpdateContext, data: dict[str, Any]
) -> tuple[list[str], str | None]:
    """The times with `label` added, or as they were and why it cannot be, kindly: a time in
    the quiet hours of the resident's community is refused."""
    night = await quiet(ctx, data)
    try:
        return checkins.with_time(chosen, label, night), None
    except CheckinTimeAtNight:
        return chosen, _(
            "🌙 {time} is at night ({quiet}), when I do not send check-ins, so nobody is woken "
            "up. Please choose a time in the day."
        ).format(time=label, quiet=views.quiet_label(night))
    except CheckinLimitReached:
        return chosen, _("Four times a day at most. Tap a chosen time to remove it first.")


def _search(message: Message) -> str | None:
    """A typed part of a name, or None when it cannot be one."""
    query = (message.text or "").strip()
    return query if query and not query.startswith("/") and len(query) <= 64 else None


async def typed_resident_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    query = _search(message)
    if not ctx.may(Action.PLAN_CHECKINS) or query is None:
        await repeat_question(message, state, ctx, bad_input_note())
        return
    await state.update_data(query=query, offset=0)
    await repeat_question(message, state, ctx)


async def typed_time(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A typed time is added like a tapped one; anything else repeats the question."""
    at = parse_clock_time(message.text)  # "8:30", "早上八点", "下午三点", "9am"
    if at is None:
        note = _("Please tap the times you want, or write a time like 14:30.")
        await repeat_question(message, state, ctx, note)
        return
    label = clock_label(at)
    data = await state.get_data()
    chosen: list[str] = list(data.get("times", []))
    if label in chosen:
        note = _("{time} is already chosen. 👍").format(time=label)
    else:
        chosen, refusal = await add_time(label, chosen, ctx, data)
        if refusal is None:
            await state.update_data(times=chosen)
        note = refusal or _("✅ Added: {time}.").format(time=label)
    await repeat_question(message, state, ctx, note)


async def typed_volunteer_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    query = _search(message)
    if query is None:
        await repeat_question(message, state, ctx, bad_input_note())
        return
    await state.update_data(vquery=query, voffset=0)
    await repeat_question(message, state, ctx)


async def typed_contact(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    try:
        name, phone = checkins.contact_from_text(message.text or "")
    except NameTooLong as error:
        note = _("That name is too long. Please keep it under {limit} characters.").format(
            limit=error.limit
        )
        await repeat_question(message, state, ctx, note)
        return
    except (NameEmpty, PhoneInvalid):
        note = _(
            "Please write the name and then the phone number, with digits, for example: "
            "Li Na 13800138000"
        )
        await repeat_question(message, state, ctx, note)
        return
    data = await state.get_data()
    contacts = [*data.get("contacts", []), {"name": name, "phone": phone}]
    await state.update_data(contacts=contacts)
    if len(contacts) < checkins.MAX_PHONE_CONTACTS:
        await message.answer(
            views.contact_added(name, phone, len(contacts)),
            reply_markup=views.contact_keyboard(len(contacts)),
        )
        return
    await message.answer(views.contact_added(name, phone, len(contacts)))  # the chain is full
    if data.get("mode") == SELF:
        await own_plan_to_agree(message, state, ctx, bot)
    else:
        await ask_step(message, state, ctx, CheckinSetup.confirm)


async def expected_button(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Free text, a sticker, a photo... where a button is expected: the question again."""
    await repeat_question(message, state, ctx, bad_input_note())
