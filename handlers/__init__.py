"""aiogram routers, one module per flow. Order matters: the fallback router comes last."""

from aiogram import Router

from handlers import common, errors, fallback, onboarding


def all_routers() -> list[Router]:
    return [errors.router, common.router, onboarding.router, fallback.router]
