"""Daily check-ins of residents who live alone, and what happens when one goes unanswered.

- `plans`: a `CheckinPlan` says when (one to four local times on chosen days) and who is told
  (its chain); its limits, and "never over an active plan", are kept here for every caller.
- `round`: the scheduler's daily round, each step claimed once.
- `answers`: the resident's, the chain's, and on the resident's behalf.
- `board`: how today stands, for coordinators and volunteers.
- `events`: a check-in's history, and closing it once.

Nothing here knows Telegram. Callers use `bot.services.checkins` (the names below)."""

from bot.services.checkins.answers import (
    Outcome,
    answer_fine,
    answer_need_help,
    check_in_for,
    count_contact_as_checkin,
    may_check_in_for,
    plan_to_cover,
    report_not_reached,
    report_reached,
    take_on,
)
from bot.services.checkins.board import (
    BoardLine,
    BoardState,
    residents_watched_by,
    today_board,
    unreachable_enrolled,
)
from bot.services.checkins.events import ALERTED, CLOSED
from bot.services.checkins.plans import (
    MAX_PAUSE_DAYS,
    MAX_PHONE_CONTACTS,
    MAX_TIMES,
    MAX_VOLUNTEERS,
    ChainLink,
    ContactDraft,
    Timing,
    add_volunteer_to_chain,
    agree_to_plan,
    back_on,
    chain_of,
    check_room,
    clean_times,
    contact_from_text,
    describe_chain,
    is_paused,
    pause_until,
    phone_contact,
    plan_for,
    propose_plan,
    proposer_of,
    ready_for_plan,
    residents_to_enrol,
    resume,
    stop_plan,
    volunteer_to_add,
    volunteers_for_chain,
    with_time,
)
from bot.services.checkins.round import MISSED_IN_ROW_FLAG, DueStep, StepKind, take_due_steps

__all__ = [
    "ALERTED",
    "CLOSED",
    "MAX_PAUSE_DAYS",
    "MAX_PHONE_CONTACTS",
    "MAX_TIMES",
    "MAX_VOLUNTEERS",
    "MISSED_IN_ROW_FLAG",
    "BoardLine",
    "BoardState",
    "ChainLink",
    "ContactDraft",
    "DueStep",
    "Outcome",
    "StepKind",
    "Timing",
    "add_volunteer_to_chain",
    "agree_to_plan",
    "answer_fine",
    "answer_need_help",
    "back_on",
    "chain_of",
    "check_in_for",
    "check_room",
    "clean_times",
    "contact_from_text",
    "count_contact_as_checkin",
    "describe_chain",
    "is_paused",
    "may_check_in_for",
    "pause_until",
    "phone_contact",
    "plan_for",
    "plan_to_cover",
    "propose_plan",
    "proposer_of",
    "ready_for_plan",
    "report_not_reached",
    "report_reached",
    "residents_to_enrol",
    "residents_watched_by",
    "resume",
    "stop_plan",
    "take_due_steps",
    "take_on",
    "today_board",
    "unreachable_enrolled",
    "volunteer_to_add",
    "volunteers_for_chain",
    "with_time",
]
