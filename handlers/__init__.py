"""aiogram routers, one module per flow. Order matters: the fallback router comes last."""

from aiogram import Router

from handlers import (
    broadcasts,
    certificates,
    checkins,
    common,
    community,
    emergency,
    errors,
    fallback,
    fund,
    fund_campaigns,
    fund_fix,
    fund_news,
    membership,
    numbers,
    offers_board,
    onboarding,
    places,
    poster,
    surveys,
    time_given,
    time_offers,
    verify,
    visits,
)
from handlers.concerns import card as concern_card
from handlers.concerns import case_file
from handlers.concerns import raising as concern_raising
from handlers.requests import asking, mine, queue, review, serving, tasks, volunteers
from handlers.storehouse import build_router as build_storehouse_router
from handlers.wishes import campaigns as wish_campaigns
from handlers.wishes import lighting as wish_lighting
from handlers.wishes import review as wish_review
from handlers.wishes import writing as wish_writing


def all_routers() -> list[Router]:
    """Fresh routers for one dispatcher. `emergency` comes before every router that reads
    messages, so words that sound like an emergency are heard in any state of any flow;
    `common` comes before `onboarding` so that /help, /cancel and /language work in the middle
    of registering; a typed answer to a waiting check-in ("我很好") is heard right after it."""
    return [
        errors.build_router(),
        emergency.build_router(),
        membership.build_router(),
        community.build_router(),
        common.build_router(),
        checkins.build_typed_answers_router(),
        onboarding.build_router(),
        asking.build_router(),
        mine.build_router(),
        review.build_router(),
        tasks.build_router(),
        volunteers.build_router(),
        serving.build_router(),
        queue.build_router(),
        broadcasts.build_router(),
        checkins.build_router(),
        visits.build_router(),
        places.build_router(),
        numbers.build_router(),
        poster.build_router(),
        concern_raising.build_router(),
        concern_card.build_router(),
        case_file.build_router(),
        fund.build_router(),
        fund_campaigns.build_router(),
        fund_fix.build_router(),
        time_given.build_router(),
        certificates.build_router(),
        verify.build_router(),
        fund_news.build_router(),
        build_storehouse_router(),
        wish_writing.build_router(),
        wish_review.build_router(),
        wish_lighting.build_router(),
        wish_campaigns.build_router(),
        surveys.build_router(),
        time_offers.build_router(),
        offers_board.build_router(),
        fallback.build_router(),
    ]
