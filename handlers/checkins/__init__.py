"""Daily check-ins in chat, one module per sub-flow:

- `setup`, `setup_steps`: the set-up wizard (a coordinator's /enrol, a resident's own): its
  questions and typed answers, and its buttons;
- `own_plan`: a resident's plan: agree or decline, "I'm away", "I'm back", stop;
- `board`: /checkins for each role, and checking in on someone's behalf;
- `day`: the day's check-in and the buttons on an alert.

The rules are `bot.services.checkins` and `bot.policy.permissions`; who is told what is
`bot.policy.notify.checkins`; the words are `bot.views.checkin_setup` and `bot.views.checkins`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.callbacks import (
    CheckinAlertAction,
    CheckinAnswer,
    CheckinPlanAction,
    CheckinProxy,
    CheckinSetupStep,
)
from handlers.audience import PRIVATE
from handlers.checkins import board, day, own_plan, setup, setup_steps
from handlers.checkins.own_plan import AwayFlow
from handlers.checkins.setup import CheckinSetup
from handlers.replies import button_text
from handlers.requests.asking import menu_kind, start_asking, tapped_kind
from handlers.requests.mine import show_my_requests


def build_typed_answers_router() -> Router:
    """ "我很好", "好", "ok" (or "不好", "我需要帮助") typed by a resident whose check-in waits
    for an answer: heard early, in any step she may have left open, like the buttons would be."""
    router = Router(name="checkin_typed_answers")
    router.message.register(day.typed_answer, F.text, day.typed_checkin_answer)
    return router


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="checkins")
    mine = StateFilter(None, *CheckinSetup.__all_states__, *AwayFlow.__all_states__)
    router.message.register(setup.start_enrol, PRIVATE, Command("enrol"))
    router.message.register(setup.start_enrol, PRIVATE, button_text("➕ Enrol in check-ins"))
    router.message.register(board.checkins_entry, PRIVATE, Command("checkins"))
    router.message.register(board.checkins_entry, PRIVATE, mine, button_text("🔔 Daily check-in"))
    router.message.register(board.checkins_entry, PRIVATE, mine, button_text("📋 Check-ins today"))
    # the menu still works in the middle of these steps ("🙋 I need help" above all)
    in_steps = StateFilter(*CheckinSetup.__all_states__, *AwayFlow.__all_states__)
    router.message.register(start_asking, PRIVATE, in_steps, button_text("🙋 I need help"))
    router.message.register(tapped_kind, PRIVATE, in_steps, F.text.func(menu_kind))
    router.message.register(show_my_requests, PRIVATE, in_steps, button_text("📋 My requests"))
    router.message.register(board.details_in_steps, PRIVATE, in_steps, button_text("👤 My details"))
    router.callback_query.register(setup_steps.setup_step, CheckinSetupStep.filter())
    router.callback_query.register(own_plan.plan_action, CheckinPlanAction.filter())
    router.callback_query.register(board.proxy_action, CheckinProxy.filter())
    router.callback_query.register(day.answer_checkin, CheckinAnswer.filter())
    router.callback_query.register(day.act_on_alert, CheckinAlertAction.filter())
    router.message.register(setup.typed_resident_name, CheckinSetup.resident, F.text)
    router.message.register(setup.typed_time, CheckinSetup.times, F.text)
    router.message.register(setup.typed_volunteer_name, CheckinSetup.volunteers, F.text)
    router.message.register(setup.typed_contact, CheckinSetup.contact, F.text)
    router.message.register(own_plan.typed_back_on, AwayFlow.back_on, F.text)
    router.message.register(own_plan.back_on_not_text, AwayFlow.back_on)
    router.message.register(setup.expected_button, StateFilter(*CheckinSetup.__all_states__))
    return router
