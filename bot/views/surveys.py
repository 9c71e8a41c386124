"""The words and buttons of surveys: /survey for coordinators (who, how often, which day and
hour, which questions), the questions as each person reads them with their one-tap answers,
and the report to the coordinators when a round closes."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import SurveySetupStep, SurveyTap
from bot.services.surveys import (
    EVERY_MONTHS,
    SURVEY_DAYS,
    SURVEY_HOURS,
    Question,
    Results,
    Scale,
    questions_for,
)
from bot.views.keyboards import one_per_row
from storage.models import Survey, SurveyAudience, SurveyInvite


def question_text(key: str) -> str:
    return {
        "satisfied": _("How satisfied are you with the help you received?"),
        "safer": _("Do you feel safer and less alone since you joined linli?"),
        "recommend": _("Would you recommend linli to a neighbour?"),
        "easy": _("Is it easy for you to ask for help?"),
        "supported": _("Do you feel supported by the coordinators?"),
        "fulfilling": _("How happy are you with your volunteering?"),
        "fits": _("Do the tasks fit the time you have?"),
        "invite": _("Would you invite a friend to volunteer with us?"),
    }[key]


def question_short(key: str) -> str:
    """A few words for a chart's label and a table's row."""
    return {
        "satisfied": _("Satisfied with the help"),
        "safer": _("Safer, less alone"),
        "recommend": _("Would recommend us"),
        "easy": _("Easy to ask for help"),
        "supported": _("Supported by coordinators"),
        "fulfilling": _("Happy volunteering"),
        "fits": _("Tasks fit their time"),
        "invite": _("Would invite a friend"),
    }[key]


def _options(scale: Scale) -> list[tuple[int, str]]:
    if scale is Scale.FACES:
        return [(1, "😞"), (2, "🙁"), (3, "😐"), (4, "🙂"), (5, "😊")]
    return [(3, _("👍 Yes, very much")), (2, _("🙂 A little")), (1, _("🤔 Not really"))]


def answer_label(scale: Scale, value: int) -> str:
    return dict(_options(scale)).get(value, "")


def question_keyboard(invite_id: int, step: int, question: Question) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=label,
            callback_data=SurveyTap(action="a", invite_id=invite_id, step=step, value=value).pack(),
        )
        for value, label in _options(question.scale)
    ]
    if question.scale is Scale.FACES:  # five faces side by side, from sad to happy
        return InlineKeyboardMarkup(inline_keyboard=[buttons])
    return one_per_row(buttons)


def asking_text(step: int, count: int, question: Question) -> str:
    return _("<b>Question {number} of {count}</b>\n{question}").format(
        number=step + 1, count=count, question=question_text(question.key)
    )


def invitation_text(invite: SurveyInvite, question: Question) -> str:
    return _(
        "🌷 <b>A few quick questions</b>\nHow are we doing? Your answers help us help our "
        "neighbours better. It takes a minute: just tap an answer.\n\n{question}"
    ).format(question=asking_text(0, len(invite.questions), question))


def comment_text() -> str:
    return _(
        "Thank you! 🙏 Is there anything else you would like to tell us? Send a voice message "
        "or a few words. Or tap below if not."
    )


def comment_keyboard(invite_id: int) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("No, thank you"),
                callback_data=SurveyTap(action="skip", invite_id=invite_id).pack(),
            )
        ]
    )


def comment_placeholder() -> str:
    return _("Anything else you would like to say")


def thanks_text() -> str:
    return _("💐 Thank you for your answers! They help us do better for everyone.")


def comment_thanks_text() -> str:
    return _("💐 Thank you, we have your words. The coordinators will read them.")


def comment_too_long_text(limit: int) -> str:
    return _("That is a lot to read! 🙂 Could you say it in fewer words (at most {limit})?").format(
        limit=limit
    )


def answered_already_text() -> str:
    return _("You have answered this already. Thank you! 🌷")


def survey_closed_text() -> str:
    return _("This survey has closed. Thank you all the same! 🌷")


# /survey, for coordinators


def audience_name(audience: SurveyAudience) -> str:
    return {
        SurveyAudience.RESIDENTS: _("residents"),
        SurveyAudience.VOLUNTEERS: _("volunteers"),
        SurveyAudience.BOTH: _("residents and volunteers"),
    }[audience]


def often_name(months: int) -> str:
    return _("every month") if months == 1 else _("every 3 months")


def setting_text(survey: Survey | None) -> str:
    if survey is None or survey.next_due_at is None:
        now = _("No survey is set up.")
    else:
        now = _("To {who}, {often}, on day {day} at {hour:02d}:00; {count} questions.").format(
            who=audience_name(survey.audience), often=often_name(survey.every_months),
            day=survey.day, hour=survey.hour, count=len(survey.questions),
        )  # fmt: skip
    return _(
        "📝 <b>Survey</b>\nA few one-tap questions to the people you serve, on a schedule: "
        "how satisfied they are, whether they feel less alone. Answers come back to you after "
        "7 days.\nNow: {now}"
    ).format(now=now)


def setting_keyboard(survey: Survey | None) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=_("📝 Set up a survey") if survey is None or survey.next_due_at is None
            else _("✏️ Change the survey"),
            callback_data=SurveySetupStep(field="start").pack(),
        )
    ]  # fmt: skip
    if survey is not None and survey.next_due_at is not None:
        buttons.append(
            InlineKeyboardButton(
                text=_("🔕 Stop the survey"), callback_data=SurveySetupStep(field="stop").pack()
            )
        )
    return one_per_row(buttons)


def who_text() -> str:
    return _("Who should the survey go to?")


def who_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=label, callback_data=SurveySetupStep(field="who", value=audience).pack()
        )
        for audience, label in (
            (SurveyAudience.RESIDENTS, _("🏠 Residents")),
            (SurveyAudience.VOLUNTEERS, _("🙌 Volunteers")),
            (SurveyAudience.BOTH, _("👥 Both")),
        )
    )


def often_text() -> str:
    return _("How often?")


def often_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=_("🗓 Every month") if months == 1 else _("🗓 Every 3 months"),
            callback_data=SurveySetupStep(field="often", value=str(months)).pack(),
        )
        for months in EVERY_MONTHS
    )


def day_text() -> str:
    return _("On which day of the month?")


def day_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=str(day), callback_data=SurveySetupStep(field="day", value=str(day)).pack()
        )
        for day in SURVEY_DAYS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 7] for i in range(0, 28, 7)])


def hour_text(day: int) -> str:
    return _("At what time on day {day}?").format(day=day)


def hour_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=f"{hour:02d}:00",
            callback_data=SurveySetupStep(field="hour", value=str(hour)).pack(),
        )
        for hour in SURVEY_HOURS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 4] for i in range(0, 12, 4)])


def questions_text(audience: SurveyAudience) -> str:
    return _(
        "Which questions? Tap to choose or leave out; 3 to 5 for {who}. Each person can add a "
        "voice message or a few words at the end."
    ).format(
        who=audience_name(audience)
        if audience is not SurveyAudience.BOTH
        else _("residents and 3 to 5 for volunteers")
    )


def questions_keyboard(audience: SurveyAudience, chosen: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=("✅ " if question.key in chosen else "⬜ ") + question_text(question.key),
            callback_data=SurveySetupStep(field="q", value=question.key).pack(),
        )
        for question in questions_for(audience)
    ]
    buttons.append(
        InlineKeyboardButton(text=_("✔️ Done"), callback_data=SurveySetupStep(field="done").pack())
    )
    return one_per_row(buttons)


def too_few_text() -> str:
    return _("Please choose 3 to 5 questions for each group.")


def survey_set_text(survey: Survey) -> str:
    return _(
        "✅ The survey will go to {who} {often}, on day {day} at {hour:02d}:00. You will get "
        "the answers 7 days after each round."
    ).format(
        who=audience_name(survey.audience), often=often_name(survey.every_months),
        day=survey.day, hour=survey.hour,
    )  # fmt: skip


def survey_stopped_text() -> str:
    return _("🔕 The survey is stopped. You can set it up again here at any time.")


def coordinators_only() -> str:
    return _("Surveys are set up by coordinators. Thank you for all you do! 🌷")


# the report when a round closes


def average_line(question: Question, taps: int, mean: float) -> str:
    top = 5 if question.scale is Scale.FACES else 3
    return _("• {question}: <b>{mean}</b> of {top} ({taps} answers)").format(
        question=question_short(question.key), mean=f"{mean:g}", top=top, taps=taps
    )


def report_text(results: Results) -> str:
    lines = [
        _("📝 <b>The survey round has closed</b>"),
        _("Answered: <b>{answered} of {asked}</b> ({rate}%); not answered: {missing}").format(
            answered=results.answered,
            asked=results.asked,
            rate=results.rate,
            missing=results.asked - results.answered,
        ),
    ]
    lines += [average_line(question, taps, mean) for question, taps, mean in results.averages]
    if results.comments:
        lines.append(_("What they wrote:"))
        lines += [f"“{html.escape(text[:300])}”" for text in results.comments[:10]]
    if results.voices:
        voices = len(results.voices)
        lines.append(_("Voice messages left: {count} (they follow)").format(count=voices))
    return "\n".join(lines)


def voice_caption() -> str:
    return _("🎙 A voice message left in the survey")
