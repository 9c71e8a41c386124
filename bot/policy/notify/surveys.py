"""Who is told what of surveys: each person asked gets the first question privately, in their
language (a resident's waits for the end of the community's quiet hours, as `tell_user`
does); when a round closes its coordinators get the report (the words people wrote, then
their voice messages), in their group when they have one, else each of them."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services.media import Media
from bot.services.surveys import ClosedRound, Question, StartedRound, question_at
from bot.views import surveys as views
from storage.models import SurveyInvite


async def round_started(notifier: Notifier, started: StartedRound) -> int:
    sent = 0
    for asked in started.asked:
        invite = asked.invite
        if not invite.questions:
            continue
        first = question_at(invite, 0)

        def render(invite: SurveyInvite = invite, first: Question = first) -> Rendered:
            return (
                views.invitation_text(invite, first),
                views.question_keyboard(invite.id, 0, first),
            )

        if await notifier.tell_user(
            asked.person, render, kind="survey", priority=Priority.NOTICE, flush=False
        ):
            sent += 1
    return sent


async def round_closed(notifier: Notifier, closed: ClosedRound) -> None:
    community_id = closed.round.community_id
    await notifier.tell_coordinators(
        lambda: (views.report_text(closed.results), None),
        community_id=community_id,
        kind="survey_report",
        priority=Priority.NOTICE,
    )
    for voice in closed.results.voices:
        await notifier.tell_coordinators(
            lambda: (views.voice_caption(), None),
            community_id=community_id,
            kind="survey_voice",
            priority=Priority.NOTICE,
            media=Media("voice", voice),
        )
