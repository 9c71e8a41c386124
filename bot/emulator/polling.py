"""getUpdates with Telegram's offset, limit, long-poll and single-consumer semantics."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import APIError
from bot.emulator.state import EmulatorState

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class Polling:
    """Serves getUpdates; a newer getUpdates ends a pending one with 409 Conflict.

    That is what Telegram does when two bot instances poll at once. When a bot restarts, its
    previous long poll is usually already abandoned, so the 409 goes to nobody.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        state = self.state
        if state.webhook_url:
            raise APIError(409, WEBHOOK_ACTIVE)
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(int(params.get("timeout", 0)), 0)
        if "allowed_updates" in params:
            state.allowed_updates = [str(t) for t in params["allowed_updates"]]
        if "offset" in params:
            state.confirm(int(params["offset"]))
        state.poll_generation += 1
        generation = state.poll_generation
        state.tick()
        state.feed.notify()  # wakes an older pending poll so it can answer 409

        def outcome() -> tuple[str, list[dict[str, Any]]] | None:
            if state.closing:
                return ("closing", [])
            if state.poll_generation != generation:
                return ("conflict", [])
            if state.webhook_url:
                return ("webhook", [])
            updates = state.deliverable(limit)
            return ("updates", updates) if updates else None

        if timeout == 0:
            return state.deliverable(limit)
        try:
            kind, updates = await state.feed.wait_for(outcome, timeout)
        except TimeoutError:
            return []
        if kind == "conflict":
            raise APIError(409, CONFLICT)
        if kind == "webhook":
            raise APIError(409, WEBHOOK_ACTIVE)
        return updates
