"""Paired visits: /pair (the coordinator's wizard, `pairing`) and /visits with the volunteer's
answers to reminders and the two-tap log (`answers`)."""

from aiogram import Router

from handlers.visits import answers, pairing
from handlers.visits.answers import VisitInput
from handlers.visits.pairing import PairFlow

__all__ = ["PairFlow", "VisitInput", "build_router"]


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="visits")
    router.include_routers(pairing.build_router(), answers.build_router())
    return router
