"""Who may do what: the one place a role or a tie to a record opens a door.

Every handler and service asks `may` (a yes or no, for choosing what to show) or `require` (for
acting: a forged or forwarded button raises `NotAllowed`, which the handler answers kindly).
Rules that depend on a record (the holder of a task, the resident of a plan) take it as
`record`; rules that need a query live in the service that owns the record and call
`require` for the role part first."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from bot.services.errors import NotAllowed
from storage.models import ContactKind, User, UserRole


class Action(StrEnum):
    # the community's work, for coordinators
    REVIEW_REQUESTS = "review_requests"
    APPROVE_VOLUNTEERS = "approve_volunteers"
    BROADCAST = "broadcast"
    PLAN_CHECKINS = "plan_checkins"
    ACT_ON_ANY_CHECKIN = "act_on_any_checkin"
    PAIR_VISITS = "pair_visits"
    MANAGE_PLACES = "manage_places"
    SEE_ANY_EVENT = "see_any_event"
    SET_GROUP_LANGUAGE = "set_group_language"
    HANDLE_CALL_BACKS = "handle_call_backs"
    MANAGE_HOUSEHOLDS = "manage_households"  # open one, say who lives there
    SEE_NUMBERS = "see_numbers"  # /numbers, its export and the weekly digest
    PRINT_POSTER = "print_poster"  # /poster: the join link on the lobby's notice board
    HANDLE_CONCERNS = "handle_concerns"  # a neighbour's concern: link, merge, follow up, close
    OPEN_CASE_FILE = "open_case_file"  # a household's file (within their communities)
    KEEP_FUND = "keep_fund"  # record money received, ask for and approve payouts, the full ledger
    SET_UP_SURVEY = "set_up_survey"  # /survey: who is asked, which questions, how often
    VERIFY_CERTIFICATE = "verify_certificate"  # /verify: an hours certificate of their communities
    KEEP_STORE = "keep_store"  # /store: goods received and given, pledges, wishes lit from stock
    # helping, for volunteers and coordinators
    SEE_TASKS = "see_tasks"
    SEE_OWN_VISITS = "see_own_visits"
    HEAR_EMERGENCY_TWICE = "hear_emergency_twice"
    GET_CERTIFICATE = "get_certificate"  # an hours certificate of one's own (approved: the service)
    # a record of one's own
    ACT_ON_VISIT = "act_on_visit"
    # check-ins
    HAVE_CHECKINS = "have_checkins"  # a resident: set up, agree to, pause or stop their own
    CHECK_IN_FOR = "check_in_for"  # record: the resident's chain (CheckinContact rows)
    ACT_ON_ALERT = "act_on_alert"  # record: the ids of the people alerted to the check-in
    # requests
    ASK_FOR_HELP = "ask_for_help"
    HOLD_TASK = "hold_task"
    # anyone registered
    ASK_CALL_BACK = "ask_call_back"
    RAISE_CONCERN = "raise_concern"  # "I'm worried about a neighbour"
    # follow-ups
    ACT_ON_FOLLOW_UP = "act_on_follow_up"  # record: the follow-up (its owner, or a coordinator)
    # small wishes (点亮微心愿)
    POST_WISH = "post_wish"  # a resident, for her own household
    REVIEW_WISHES = "review_wishes"  # verify, edit, ask, decline; confirm receipt for a home
    LIGHT_WISH = "light_wish"  # anyone registered gives (service wishes: approved volunteers)
    # time as a gift
    OFFER_TIME = "offer_time"  # anyone registered, a household that was helped too
    WITHDRAW_OFFER = "withdraw_offer"  # record: the offer (only its offerer)
    MATCH_OFFERS = "match_offers"  # see the open offers, match them, confirm time given


Rule = Callable[[User, Any], bool]


def is_registered(person: User | None) -> bool:
    return person is not None and person.is_onboarded  # and not deleted


def is_coordinator(person: User | None) -> bool:
    return is_registered(person) and person.role is UserRole.COORDINATOR  # type: ignore[union-attr]


def is_helper(person: User | None) -> bool:
    """A volunteer or a coordinator: someone who takes tasks and makes visits."""
    return is_registered(person) and person.role in (UserRole.VOLUNTEER, UserRole.COORDINATOR)  # type: ignore[union-attr]


def is_resident(person: User | None) -> bool:
    return is_registered(person) and person.role is UserRole.RESIDENT  # type: ignore[union-attr]


def is_volunteer(person: User | None) -> bool:
    return is_registered(person) and person.role is UserRole.VOLUNTEER  # type: ignore[union-attr]


def keeps_quiet_hours(person: User) -> bool:
    """Residents are not woken at night by anything less than an alert (registered or not)."""
    return person.role is UserRole.RESIDENT


def holds_coordinator_role(person: User | None, *, over: UserRole | None = None) -> bool:
    """The person is a coordinator, registered or not yet: a coordinator stays one over an
    invitation for a lesser role (`over`: the role offered; None for the role chosen while
    registering), and their own volunteer profile needs nobody's approval. Both come before
    being registered, so this is not a `may` rule."""
    if person is None or person.role is not UserRole.COORDINATOR:
        return False
    return over is not UserRole.COORDINATOR


def _coordinator(person: User, record: Any) -> bool:
    return person.role is UserRole.COORDINATOR


def _helper(person: User, record: Any) -> bool:
    return person.role in (UserRole.VOLUNTEER, UserRole.COORDINATOR)


def _visit_volunteer(person: User, visit: Any) -> bool:
    return visit is not None and visit.volunteer_id == person.id


def _anyone(person: User, record: Any) -> bool:
    return True


def _resident(person: User, record: Any) -> bool:
    return person.role is UserRole.RESIDENT


# check-ins


def _in_chain(person: User, chain: Any) -> bool:
    """A coordinator, or a volunteer link of the resident's chain."""
    return _coordinator(person, chain) or any(
        contact.user_id == person.id and contact.kind is ContactKind.VOLUNTEER
        for contact in chain or ()
    )


def _alerted(person: User, alerted_ids: Any) -> bool:
    """A coordinator, or someone the check-in's alert went to."""
    return _coordinator(person, alerted_ids) or person.id in (alerted_ids or ())


# requests


def _task_holder(person: User, request: Any) -> bool:
    """The volunteer (or coordinator) a help request is claimed by or assigned to."""
    return request is not None and request.volunteer_id == person.id


# concerns


def _follow_up_owner(person: User, follow_up: Any) -> bool:
    """The one who owes the call or visit, or a coordinator (their community is checked by the
    service)."""
    return _coordinator(person, follow_up) or (
        follow_up is not None and follow_up.owner_id == person.id
    )


# offers of time


def _offerer(person: User, offer: Any) -> bool:
    return offer is not None and offer.offered_by_id == person.id


RULES: dict[Action, Rule] = {
    Action.REVIEW_REQUESTS: _coordinator,
    Action.APPROVE_VOLUNTEERS: _coordinator,
    Action.BROADCAST: _coordinator,
    Action.PLAN_CHECKINS: _coordinator,
    Action.ACT_ON_ANY_CHECKIN: _coordinator,
    Action.PAIR_VISITS: _coordinator,
    Action.MANAGE_PLACES: _coordinator,
    Action.SEE_ANY_EVENT: _coordinator,
    Action.SET_GROUP_LANGUAGE: _coordinator,
    Action.HANDLE_CALL_BACKS: _coordinator,
    Action.MANAGE_HOUSEHOLDS: _coordinator,
    Action.SEE_NUMBERS: _coordinator,
    Action.PRINT_POSTER: _coordinator,
    Action.HANDLE_CONCERNS: _coordinator,
    Action.OPEN_CASE_FILE: _coordinator,
    Action.KEEP_FUND: _coordinator,
    Action.SET_UP_SURVEY: _coordinator,
    Action.VERIFY_CERTIFICATE: _coordinator,
    Action.KEEP_STORE: _coordinator,
    Action.SEE_TASKS: _helper,
    Action.SEE_OWN_VISITS: _helper,
    Action.HEAR_EMERGENCY_TWICE: _helper,
    Action.GET_CERTIFICATE: _helper,
    Action.ACT_ON_VISIT: _visit_volunteer,
    # check-ins
    Action.HAVE_CHECKINS: _resident,
    Action.CHECK_IN_FOR: _in_chain,
    Action.ACT_ON_ALERT: _alerted,
    # requests
    Action.ASK_FOR_HELP: _resident,
    Action.HOLD_TASK: _task_holder,
    Action.ASK_CALL_BACK: _anyone,
    Action.RAISE_CONCERN: _anyone,
    Action.ACT_ON_FOLLOW_UP: _follow_up_owner,
    # small wishes
    Action.POST_WISH: _resident,
    Action.REVIEW_WISHES: _coordinator,
    Action.LIGHT_WISH: _anyone,
    # offers of time
    Action.OFFER_TIME: _anyone,
    Action.WITHDRAW_OFFER: _offerer,
    Action.MATCH_OFFERS: _coordinator,
}
"""One rule per action; a registered person only (someone half-way through registering, or
whose data was deleted, may do none of these)."""


def may(person: User | None, action: Action, record: Any = None) -> bool:
    if not is_registered(person):
        return False
    return RULES[action](person, record)  # type: ignore[arg-type]


def require(person: User | None, action: Action, record: Any = None) -> User:
    """The person, if they may; else `NotAllowed`."""
    if not may(person, action, record):
        raise NotAllowed()
    return person  # type: ignore[return-value]
