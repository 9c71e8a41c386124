"""Who is told what about a help request, one function per event, from asking to rating.

Residents hear about their own request (never the volunteer's full name, only the first);
coordinators get the full card and every alert; the volunteers' group sees the public card
only (place and time, never the address); a volunteer sees the address once the task is
theirs. Each message is rendered in its recipient's language when it is queued."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, Rendered, words_only
from bot.delivery.outbox import Priority
from bot.policy.notify import request_cards as cards
from bot.policy.notify.request_cards import Pressed
from bot.services.claims import Task
from bot.services.communities import home_of
from bot.services.media import Media, media_of
from bot.services.requests import needs_coordinator_attention, reference
from bot.views import keyboards, media_notices
from bot.views import request_notices as notices
from bot.views import review as review_views
from bot.views import volunteering as volunteer_views
from bot.views.request_keyboards import (
    answer_keyboard,
    claim_keyboard,
    held_task_keyboard,
    rating_keyboard,
    review_keyboard,
)
from bot.views.texts import full_text_parts, public_card
from storage.models import CardAudience, HelpRequest, User, VolunteerProfile
from storage.repositories import users as user_queries


async def _person(notifier: Notifier, user_id: int | None) -> User | None:
    return await user_queries.get_by_id(notifier.session, user_id) if user_id else None


async def _resident(notifier: Notifier, request: HelpRequest) -> User | None:
    return await _person(notifier, request.resident_id)


async def _publish(
    notifier: Notifier, request: HelpRequest, *, kind: str, priority: Priority
) -> None:
    """The public card with its claim button, to the volunteers' group (if there is one)."""
    row = await notifier.tell_volunteers_group(
        lambda: (public_card(request), claim_keyboard(request)),
        community_id=request.community_id,
        kind=kind,
        priority=priority,
    )
    await cards.queued(notifier, request, CardAudience.GROUP, row)


# asking and review


async def before_submitting(notifier: Notifier, resident: User) -> None:
    """What `request_submitted` reads, read before the request is written (see
    `Notifier.read_coordinators_ahead`)."""
    await notifier.read_coordinators_ahead(home_of(resident))


async def request_submitted(
    notifier: Notifier,
    request: HelpRequest,
    resident: User,
    *,
    emergency: bool,
    from_checkin: bool | None = None,
) -> None:
    """A new request (or an emergency) to the coordinators, with the buttons to handle it.
    `from_checkin`: False when the caller knows (a request the wizard just made), else looked
    up."""
    if emergency:
        priority = Priority.URGENT
    else:
        priority = Priority.ALERT if request.urgent else Priority.NOTICE
    if from_checkin is None:
        from_checkin = await cards.came_from_checkin(notifier, request)
    await cards.tell_coordinators(
        notifier,
        lambda: (
            review_views.announcement(
                request, resident, emergency=emergency, from_checkin=from_checkin
            ),
            review_keyboard(request),
        ),
        community_id=request.community_id,
        kind="request.new",
        priority=priority,
        card_of=request,
    )
    await _whole_text_to_coordinators(notifier, request, None, priority)
    await request_media_to_coordinators(notifier, request, priority=priority)


async def _whole_text_to_coordinators(
    notifier: Notifier, request: HelpRequest, text: str | None, priority: Priority
) -> None:
    """A long text (the description when `text` is None, else an answer or a comment), whole,
    after the card or notice that shows its beginning: nothing she wrote is cut off."""
    for index in range(len(full_text_parts(request, text))):
        await notifier.tell_coordinators(
            words_only(lambda index=index: full_text_parts(request, text)[index]),
            community_id=request.community_id,
            kind="request.fulltext",
            priority=priority,
        )


async def request_edited(
    notifier: Notifier, request: HelpRequest, *, pressed: Pressed | None = None
) -> None:
    """A coordinator changed the category or urgency: every card says so."""
    await cards.refresh(notifier, request, pressed=pressed)


async def request_approved(
    notifier: Notifier, request: HelpRequest, *, pressed: Pressed | None = None
) -> None:
    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(lambda: notices.approved(request)),
        kind="request.approved",
        priority=Priority.NOTICE,
    )
    await _publish(
        notifier,
        request,
        kind="request.published",
        priority=Priority.ALERT if request.urgent else Priority.NOTICE,
    )
    await cards.refresh(notifier, request, pressed=pressed)


async def request_rejected(
    notifier: Notifier,
    request: HelpRequest,
    media: Media | None = None,
    *,
    pressed: Pressed | None = None,
) -> None:
    """The resident hears why; a reason said by voice reaches her as that voice note."""

    def text() -> str:
        reason = review_views.reason_text(request.reason)
        if media is not None and not reason:
            reason = media_notices.reason_by_voice()
        return notices.rejected(request, reason)

    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(text),
        kind="request.rejected",
        priority=Priority.NOTICE,
        media=media,
    )
    await cards.refresh(notifier, request, pressed=pressed)


async def request_question(
    notifier: Notifier, request: HelpRequest, question: str, media: Media | None = None
) -> None:
    """A coordinator's question, to the resident, with the button to answer it; said by voice
    (or shown in a photo), it reaches her as that voice note or photo, the words under it."""

    def text() -> str:
        if media is not None and not question:
            return media_notices.question_by_voice(request)
        return notices.question(request, question)

    await notifier.tell_user(
        await _resident(notifier, request),
        lambda: (text(), answer_keyboard(request.id)),
        kind="request.question",
        priority=Priority.ALERT,
        media=media,
    )


async def request_answered(
    notifier: Notifier, request: HelpRequest, answer: str, media: Media | None = None
) -> None:
    """The resident's answer to a coordinator's question, to the coordinators: by voice or in
    a photo, that voice note or photo with the words under it."""

    def text() -> str:
        if media is not None and not answer:
            return media_notices.answer_media(request, media)
        return notices.answer(request, answer)

    await cards.tell_coordinators(
        notifier,
        words_only(text),
        community_id=request.community_id,
        kind="request.answer",
        priority=Priority.ALERT,
        media=media,
    )
    await _whole_text_to_coordinators(notifier, request, answer or "", Priority.ALERT)


async def request_merged(
    notifier: Notifier,
    request: HelpRequest,
    original: HelpRequest,
    *,
    pressed: Pressed | None = None,
) -> None:
    """A duplicate joined with the request it repeats."""
    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(lambda: notices.merged(request, original)),
        kind="request.duplicate",
        priority=Priority.NOTICE,
    )
    await cards.refresh(notifier, request, pressed=pressed)


async def _unassigned(notifier: Notifier, previous_id: int | None, ref: str) -> None:
    """The volunteer a coordinator took the task from."""
    await notifier.tell_user(
        await _person(notifier, previous_id),
        words_only(lambda: notices.unassigned(ref)),
        kind="task.unassigned",
        priority=Priority.ALERT,
    )


async def request_assigned(
    notifier: Notifier,
    task: Task,
    volunteer: User,
    previous_id: int | None,
    *,
    pressed: Pressed | None = None,
) -> None:
    """A coordinator gave the task to `volunteer` (maybe taking it from `previous_id`)."""
    request, resident = task.request, task.resident
    ref = reference(request)
    row = await notifier.tell_user(
        volunteer,
        lambda: (
            notices.assigned_to_you(request, resident),
            held_task_keyboard(request),
        ),
        kind="task.assigned",
        priority=Priority.ALERT,
    )
    await cards.queued(notifier, request, CardAudience.HOLDER, row, volunteer)
    await request_media_to_holder(notifier, request, volunteer)
    await notifier.tell_user(
        resident,
        words_only(lambda: notices.assigned_to_resident(request, volunteer)),
        kind="request.claimed",
        priority=Priority.ALERT,
    )
    await _unassigned(notifier, previous_id, ref)
    await cards.refresh(notifier, request, pressed=pressed)


async def request_reopened(
    notifier: Notifier,
    request: HelpRequest,
    previous_id: int | None,
    *,
    pressed: Pressed | None = None,
) -> None:
    """A coordinator put a held task back in the pool."""
    ref = reference(request)
    await _unassigned(notifier, previous_id, ref)
    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(lambda: notices.reopened(request)),
        kind="request.reopened",
        priority=Priority.NOTICE,
    )
    await _publish(notifier, request, kind="request.published", priority=Priority.NOTICE)
    await cards.refresh(notifier, request, pressed=pressed)


# the resident's own steps


async def request_cancelled(
    notifier: Notifier,
    request: HelpRequest,
    volunteer_id: int | None,
    *,
    pressed: Pressed | None = None,
) -> None:
    """Cancelled by the resident: the volunteer who held it need not go."""
    await notifier.tell_user(
        await _person(notifier, volunteer_id),
        words_only(lambda: notices.cancelled_to_volunteer(request)),
        kind="request.cancelled",
        priority=Priority.ALERT,
    )
    await cards.tell_coordinators(
        notifier,
        words_only(lambda: notices.cancelled_to_coordinators(request)),
        community_id=request.community_id,
        kind="request.cancelled",
        priority=Priority.NOTICE,
    )
    await cards.refresh(notifier, request, pressed=pressed)


async def request_rated(notifier: Notifier, request: HelpRequest, previous: int | None) -> None:
    """A new rating: the volunteer hears the resident's thanks; a low one goes to the
    coordinators (the same one again does not); the cards show it."""
    if previous != request.rating:
        await _thanks_to_volunteer(notifier, request)
        if needs_coordinator_attention(request):
            await _feedback_to_coordinators(notifier, request)
    await cards.refresh(notifier, request)


async def request_feedback(
    notifier: Notifier, request: HelpRequest, media: Media | None = None
) -> None:
    """A comment after the rating: to the volunteer who helped and to the coordinators; a
    comment said by voice (or a photo) is that voice note or photo, the rating under it."""
    await _thanks_to_volunteer(notifier, request)
    await _feedback_to_coordinators(notifier, request, media)
    await cards.refresh(notifier, request)


async def _thanks_to_volunteer(notifier: Notifier, request: HelpRequest) -> None:
    resident = await _resident(notifier, request)
    await notifier.tell_user(
        await _person(notifier, request.volunteer_id),
        words_only(lambda: notices.rating_to_volunteer(request, resident)),
        kind="request.thanks",
        priority=Priority.NOTICE,
    )


async def _feedback_to_coordinators(
    notifier: Notifier, request: HelpRequest, media: Media | None = None
) -> None:
    def text() -> str:
        if media is not None:
            return media_notices.feedback_media(request, media)
        return notices.feedback(request)

    await cards.tell_coordinators(
        notifier,
        words_only(text),
        community_id=request.community_id,
        kind="request.feedback",
        priority=Priority.NOTICE,
        media=media,
    )
    await _whole_text_to_coordinators(
        notifier, request, request.rating_comment or "", Priority.NOTICE
    )


# the volunteer's steps


async def task_claimed(
    notifier: Notifier,
    task: Task,
    volunteer: User,
    *,
    in_group: bool,
    pressed: Pressed | None = None,
) -> None:
    """The resident hears who is coming, the coordinators who took it (not the taker, if a
    coordinator). A claim pressed in the volunteers' group brings the details to the volunteer
    privately (the group post only says "taken"); one pressed on a card in the volunteer's
    chat makes that card theirs."""
    request, resident = task.request, task.resident
    await cards.tell_coordinators(
        notifier,
        words_only(lambda: notices.taken_to_coordinators(request, volunteer)),
        community_id=request.community_id,
        kind="task_taken",
        priority=Priority.NOTICE,
        actor=volunteer,
    )
    await notifier.tell_user(
        resident,
        words_only(lambda: notices.claimed(request, volunteer)),
        kind="task_claimed",
        priority=Priority.NOTICE,
    )
    if in_group:
        row = await notifier.tell_user(
            volunteer,
            lambda: (
                volunteer_views.claimed_text(request, resident),
                held_task_keyboard(request),
            ),
            kind="task_details",
            priority=Priority.URGENT,
        )
        await cards.queued(notifier, request, CardAudience.HOLDER, row, volunteer)
    elif pressed is not None:
        await cards.replied(notifier, request, CardAudience.HOLDER, pressed, volunteer)
    await request_media_to_holder(notifier, request, volunteer)
    await cards.refresh(notifier, request, pressed=pressed)


async def task_started(
    notifier: Notifier, request: HelpRequest, volunteer: User, *, pressed: Pressed | None = None
) -> None:
    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(lambda: notices.on_the_way(request, volunteer)),
        kind="task_started",
        priority=Priority.URGENT,
    )
    await cards.refresh(notifier, request, pressed=pressed)


async def task_done(notifier: Notifier, request: HelpRequest, volunteer: User) -> None:
    """The resident hears it is done and is asked for their rating."""
    await notifier.tell_user(
        await _resident(notifier, request),
        lambda: (
            notices.done(request, volunteer),
            rating_keyboard(request),
        ),
        kind="task_done",
        priority=Priority.NOTICE,
    )
    await cards.refresh(notifier, request)


async def task_released(notifier: Notifier, request: HelpRequest, volunteer: User) -> None:
    """ "I can't make it": coordinators (not the volunteer, if a coordinator), resident, and
    the task is posted again."""
    await cards.tell_coordinators(
        notifier,
        words_only(lambda: notices.released_to_coordinators(request, volunteer)),
        community_id=request.community_id,
        kind="task_released",
        priority=Priority.ALERT,
        actor=volunteer,
    )
    await notifier.tell_user(
        await _resident(notifier, request),
        words_only(lambda: notices.released_to_resident(request, volunteer)),
        kind="task_released",
        priority=Priority.NOTICE,
    )
    await _publish(notifier, request, kind="task_reposted", priority=Priority.NOTICE)
    await cards.refresh(notifier, request)


# volunteers themselves


async def volunteer_decided(notifier: Notifier, volunteer: User, profile: VolunteerProfile) -> None:
    """A coordinator approved or declined a volunteer's registration."""

    def render() -> Rendered:
        return notices.volunteer_decision(volunteer, profile), keyboards.main_menu(volunteer.role)

    await notifier.tell_user(volunteer, render, kind="volunteer_decided", priority=Priority.NOTICE)


async def request_waiting(notifier: Notifier, request: HelpRequest, *, unclaimed: bool) -> None:
    """Nobody took it in time, or its holder did not mark it done: the coordinators again."""
    resident = await _resident(notifier, request)
    volunteer = await _person(notifier, request.volunteer_id)
    waited = int((notifier.clock.now() - request.created_at).total_seconds() // 60)
    await cards.tell_coordinators(
        notifier,
        lambda: (
            notices.waiting(
                request, resident, volunteer, waited_minutes=waited, unclaimed=unclaimed
            ),
            review_keyboard(request),
        ),
        community_id=request.community_id,
        kind="request.unclaimed" if unclaimed else "request.overdue",
        priority=Priority.ALERT if request.urgent else Priority.NOTICE,
        card_of=request,
    )


# her voice and photos


async def request_media_to_coordinators(
    notifier: Notifier, request: HelpRequest, *, priority: Priority
) -> None:
    """The resident's voice note and photo of her request, right after its card: the card only
    says there is one, the coordinators hear and see it here."""
    for media in media_of(request.voice_file_id, request.photo_file_id):
        await notifier.tell_coordinators(
            words_only(lambda media=media: media_notices.request_media(request, media)),
            community_id=request.community_id,
            kind="request.media",
            priority=priority,
            media=media,
        )


async def request_media_to_holder(
    notifier: Notifier, request: HelpRequest, volunteer: User
) -> None:
    """Her voice note and photo to the volunteer who now holds the task, and to nobody before
    a claim (they may say where she lives): the volunteers' group post only says there is one."""
    for media in media_of(request.voice_file_id, request.photo_file_id):
        await notifier.tell_user(
            volunteer,
            words_only(lambda media=media: media_notices.request_media(request, media)),
            kind="task_media",
            priority=Priority.ALERT,
            media=media,
        )
