"""Every conversation state the app defines, whose state it is, and what the earlier steps of its
flow have noted, and the buttons each step listens for: for tests that put a person mid-flow
(the emergency walk, the fuzzer)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from operator import eq

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from magic_filter import MagicFilter
from magic_filter.operations import (
    CombinationOperation,
    ComparatorOperation,
    GetAttributeOperation,
)

import handlers
from storage.models import UserRole

REGISTERING = "registering"  # someone who has not finished registering (no role yet)

# whose state it is, by "Group:state" or by group; everything else is a resident's
STATE_ROLES: dict[str, UserRole | str] = {
    "Onboarding": REGISTERING,
    "BroadcastFlow": UserRole.COORDINATOR,
    "FundFlow": UserRole.COORDINATOR,
    "StoreFlow": UserRole.COORDINATOR,
    "FundCampaignFlow": UserRole.COORDINATOR,
    "FundFixFlow": UserRole.COORDINATOR,
    "TimeGivenFlow": UserRole.COORDINATOR,
    "ReviewInput": UserRole.COORDINATOR,
    "PairFlow": UserRole.COORDINATOR,
    "PlaceFlow": UserRole.COORDINATOR,
    "CheckinSetup:resident": UserRole.COORDINATOR,
    "CheckinSetup:volunteers": UserRole.COORDINATOR,
    "CheckinSetup:confirm": UserRole.COORDINATOR,
    "VisitInput": UserRole.VOLUNTEER,
    "VolunteerFlow": UserRole.VOLUNTEER,
    "CaseFileInput": UserRole.COORDINATOR,
    "WriteWish:household": UserRole.COORDINATOR,
    "WriteWish:new_household": UserRole.COORDINATOR,
    "WishInput:edit": UserRole.COORDINATOR,
    "WishInput:question": UserRole.COORDINATOR,
    "CampaignFlow": UserRole.COORDINATOR,
    "SurveySetup": UserRole.COORDINATOR,
    "VerifyFlow": UserRole.COORDINATOR,
}


def notes_of_earlier_steps(state: State, ids: dict[str, int]) -> dict[str, object]:
    """What the earlier steps of the flow have noted by the time a person is at `state` (the
    tests start mid-flow); `ids` are the row ids of "resident" and "volunteer". A new state
    whose handler needs more shows up as a KeyError in the tests: add it here."""
    checkin_plan = {"resident_id": ids["resident"], "resident_name": "Ann Lee",
                    "times": ["09:00"], "days": [0, 1, 2, 3, 4, 5, 6]}  # fmt: skip
    by_group: dict[str, dict[str, object]] = {
        "AskHelp": {"category": "shopping", "description": "Rice and eggs"},
        "RaiseConcern": {"description": "Mr Zhou's leg is badly swollen"},
        "BroadcastFlow": {
            "versions": [{"locale": "en", "text": "Tea at 3"}], "version_locale": "zh_Hans",
            # an event's details (used only once a step has said it is an event)
            "event_title": "Tea", "event_place": "Hall",
            "event_starts_at": "2026-03-10T10:00:00+00:00",
        },
        "CheckinSetup": {**checkin_plan, "mode": "self"},
        "FundFlow": {"amount": 30000, "category": "medical"},
        "StoreFlow": {"item_id": 1, "quantity": 2, "name": "Rice", "unit": "kg",
                      "household_id": 1, "wish_id": 1},
        "FundCampaignFlow": {"title": "冬衣", "goal": 500000, "ends_on": None},
        "FundFixFlow": {"transfer_id": 1, "fix_chat_id": 1, "fix_message_id": 1},
        "Onboarding": {"role": "resident", "name": "Ann"},
        "TimeGivenFlow": {"household_id": 1},
        "CampaignFlow": {"title": "点亮心愿日", "day": "2026-03-02"},
        "WriteWish": {"kind": "item", "words": "A warm coat", "value": 100,
                      "address_as": "Grandma Ann", "age": "70s"},
        "SurveySetup": {"audience": "residents", "months": 1, "day": 10, "hour": 10,
                        "chosen": ["satisfied", "safer", "recommend"]},
        "SurveyAnswering": {"invite_id": 1},
        "OfferFlow": {"kind": "company", "words": "", "minutes": 30},
        "PairFlow": {
            "resident_id": ids["resident"], "volunteer_id": ids["volunteer"],
            "cadence": "weekly", "weekday": 0, "local_time": "10:00",
        },
    }  # fmt: skip
    by_state: dict[str, dict[str, object]] = {
        name: {**checkin_plan, "mode": "enrol"}
        for name, role in STATE_ROLES.items()
        if name.startswith("CheckinSetup:") and role is UserRole.COORDINATOR
    }
    name = state.state or ""
    return by_state.get(name, by_group.get(name.split(":")[0], {}))


def conversation_states() -> list[State]:
    """Every State of every StatesGroup defined in a handlers module (or a module of a
    handlers package, such as handlers.checkins)."""
    found: dict[str, State] = {}
    for module_info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(module_info.name)
        for _, group in inspect.getmembers(module, inspect.isclass):
            if issubclass(group, StatesGroup) and group.__module__ == module.__name__:
                for state in group.__all_states__:
                    assert state.state is not None
                    found[state.state] = state
    return [found[name] for name in sorted(found)]


def role_of(state: State) -> UserRole | str:
    name = state.state or ""
    return STATE_ROLES.get(name, STATE_ROLES.get(name.split(":")[0], UserRole.RESIDENT))


@dataclass(frozen=True)
class ButtonHandler:
    """A callback handler as registered: its CallbackData class, the field values its rule
    asks for (`F.action == "res"` gives {"action": "res"}) and the states it listens in
    (None: any state)."""

    callback_data: type[CallbackData]
    fixed: dict[str, str]
    states: tuple[str, ...] | None


def button_handlers(dispatcher: Router) -> list[ButtonHandler]:
    """Read from the live routers, so a new button is fuzzed at its own step automatically."""
    found: list[ButtonHandler] = []
    for router in dispatcher.chain_tail:
        for handler in router.callback_query.handlers:
            kind: type[CallbackData] | None = None
            fixed: dict[str, str] = {}
            states: tuple[str, ...] | None = None
            for filter_object in handler.filters or []:
                check = filter_object.callback
                if isinstance(check, CallbackQueryFilter):
                    kind, fixed = check.callback_data, _literals(check.rule)
                elif isinstance(check, State):  # registered as a filter itself
                    states = (*(states or ()), str(check.state))
                elif isinstance(check, StateFilter):
                    names = tuple(n for s in check.states for n in _state_names(s))
                    states = None if "*" in names else tuple(n for n in names if n)
            if kind is not None:
                found.append(ButtonHandler(kind, fixed, states))
    return found


def _state_names(state: object) -> tuple[str | None, ...]:
    """A state filter's entry: a State, a name, or a whole StatesGroup (any of its states)."""
    if isinstance(state, State):
        return (state.state,)
    if isinstance(state, type) and issubclass(state, StatesGroup):
        return tuple(s.state for s in state.__all_states__)
    return (state,)  # type: ignore[return-value]


def _literals(rule: MagicFilter | None) -> dict[str, str]:
    """`F.a == "x"` (and `&` of several) as {"a": "x"}; anything fancier is left random."""
    if rule is None:
        return {}
    found: dict[str, str] = {}
    attribute: str | None = None
    for operation in rule._operations:
        if isinstance(operation, GetAttributeOperation):
            attribute = operation.name
        elif isinstance(operation, ComparatorOperation) and attribute is not None:
            if operation.comparator is eq:
                found[attribute] = str(operation.right)
            attribute = None
        elif isinstance(operation, CombinationOperation) and isinstance(
            operation.right, MagicFilter
        ):
            found.update(_literals(operation.right))
    return found
