"""The measures of the care programmes in /numbers: neighbours' concerns, small wishes and
the survey (their summary lines, chart panels and the words of their sheets), kept apart from
bot/views/numbers.py, which registers them."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.services.numbers import Measure
from bot.views import surveys as survey_views
from bot.views.render.charts import Bars
from bot.views.words import join_items


def concerns_line(m: Measure) -> str:
    return _(
        "🫶 Concerns raised: <b>{raised}</b> (looked into: {closed}, open: {open}); follow-ups "
        "done: {done}, overdue: {overdue}"
    ).format(**m.figures)


def survey_line(m: Measure) -> str:
    if not m.figures["rounds"]:
        return _("📝 Survey: no round this time")
    averages = join_items(
        [
            _("{question} {mean} of {top}").format(
                question=survey_views.question_short(str(row[0])), mean=f"{row[2]:g}", top=row[3]
            )
            for row in m.rows
        ]
    )
    line = _("📝 Survey: {rounds} round(s), asked {sent}, answered <b>{answered}</b> ({rate}%)")
    return line.format(**m.figures) + (f"; {averages}" if averages else "")


def concerns_panel(m: Measure) -> Bars:
    f = m.figures
    return Bars(
        _("Concerns and their follow-ups"),
        [_("raised"), _("looked into"), _("follow-ups done"), _("overdue")],
        [("", [float(f["raised"] or 0), float(f["closed"] or 0), float(f["done"] or 0),
               float(f["overdue"] or 0)])],
    )  # fmt: skip


def survey_panel(m: Measure) -> Bars:
    """Each question's average as a share of its top, so faces (of 5) and yes/no (of 3) read
    on one scale."""
    return Bars(
        _("Survey: answered {answered} of {sent}, average in % of the best").format(**m.figures),
        [survey_views.question_short(str(row[0])) for row in m.rows],
        [("", [round(100 * float(row[2] or 0) / float(row[3] or 1)) for row in m.rows])],
        unit="%",
        horizontal=True,
    )


def concern_words() -> dict[str, str]:
    return {
        "concern": _("Concerns raised"),
        "follow_up": _("Follow-ups"),
        "open": _("Being looked into"),
        "closed": _("Looked into"),
        "merged": _("Joined with another"),
        "done": _("Done"),
        "overdue": _("Overdue"),
    }


def wishes_line(m: Measure) -> str:
    return _(
        "🌟 Small wishes: posted <b>{posted}</b>, lit by a neighbour <b>{lit}</b>, received "
        "<b>{received}</b>"
    ).format(**m.figures)


def wishes_panel(m: Measure) -> Bars:
    f = m.figures
    return Bars(
        _("Small wishes"),
        [_("posted"), _("lit"), _("received")],
        [("", [float(f["posted"]), float(f["lit"]), float(f["received"])])],
    )


def wish_words() -> dict[str, str]:
    return {"posted": _("Posted"), "lit": _("Lit by a neighbour"), "received": _("Received")}
