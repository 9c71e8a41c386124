"""/broadcast: writing a notice (`compose`), sending, scheduling and stopping it (`sending`),
and the recipients' answers to an event (`events`)."""

from aiogram import Router

from handlers.broadcasts import compose, events, sending
from handlers.broadcasts.compose import BroadcastFlow

__all__ = ["BroadcastFlow", "build_router"]


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="broadcasts")
    router.include_routers(compose.build_router(), sending.build_router(), events.build_router())
    return router
