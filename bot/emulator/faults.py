"""Fault injection: scripted errors and slow answers for chosen methods and chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from bot.emulator.errors import APIError


@dataclass
class Fault:
    """Answer `error` instead of running the method, `remaining` more times (None = always)."""

    method: str
    error: int
    description: str | None = None
    retry_after: int | None = None
    remaining: int | None = 1
    chat_id: int | None = None

    def to_error(self) -> APIError:
        retry_after = self.retry_after
        if self.error == 429 and retry_after is None:
            retry_after = 1
        return APIError(self.error, self.description, retry_after=retry_after)


@dataclass
class Delay:
    """Hold the answer of `method` for `seconds`, `remaining` more times (None = always)."""

    method: str
    seconds: float
    remaining: int | None = 1
    chat_id: int | None = None


Rule = TypeVar("Rule", Fault, Delay)


class FaultPlan:
    """Active faults and delays, consumed in the order they were added."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.delays: list[Delay] = []

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        return _take(self.faults, method, chat_id)

    def take_delay(self, method: str, chat_id: int | None) -> Delay | None:
        return _take(self.delays, method, chat_id)

    def clear(self) -> None:
        self.faults.clear()
        self.delays.clear()


def _take(rules: list[Rule], method: str, chat_id: int | None) -> Rule | None:
    for rule in rules:
        if rule.method != method or (rule.chat_id is not None and rule.chat_id != chat_id):
            continue
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
        return rule
    return None
