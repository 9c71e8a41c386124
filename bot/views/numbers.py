"""The words and pictures of /numbers: the summary, its buttons, the charts' panels and the
export's tables, each built from the service's measures in the reader's language.

One entry per measure in each of `_SUMMARY`, `_PANELS` and `_TABLES` (a measure without an
entry is left out of that part): a new count in bot/services/numbers.py is one more line, one
more panel and one more table here."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NumbersStep
from bot.services.numbers import DIGEST_HOURS, Measure, PeriodKind, Report
from bot.views import numbers_care as care
from bot.views import surveys as survey_views
from bot.views.keyboards import one_per_row
from bot.views.render.charts import Bars, Line, Picture
from bot.views.render.sheets import Table
from bot.views.texts import category_label, date_label, duration_label, weekday_names
from bot.views.words import join_items
from storage.models import NumbersDigest, RequestCategory

_EMOJI = re.compile(r"^[^\w(（]+", re.UNICODE)


def plain(label: str) -> str:
    """A label without its leading emoji: the chart font has none."""
    return _EMOJI.sub("", label).strip()


def period_name(kind: PeriodKind) -> str:
    return {
        PeriodKind.WEEK: _("This week"),
        PeriodKind.MONTH: _("This month"),
        PeriodKind.PAST_WEEK: _("The past 7 days"),
    }[kind]


def _days(report: Report) -> str:
    period = report.period
    return _("{first} to {last}").format(
        first=date_label(period.first_day), last=date_label(period.last_day)
    )


# requests: four plain groups of statuses, for a chart that reads at a glance
_STATUS_GROUPS = {
    "pending": "waiting",
    "open": "waiting",
    "claimed": "under_way",
    "in_progress": "under_way",
    "done": "done",
}


def _status_group_names() -> dict[str, str]:
    return {
        "waiting": _("Waiting"),
        "under_way": _("Under way"),
        "done": _("Done"),
        "closed": _("Closed without help"),
    }


def _category(value: object) -> str:
    try:
        return plain(category_label(RequestCategory(str(value))))
    except ValueError:
        return str(value)


def _minutes(value: float | int | None) -> str:
    return duration_label(round(value)) if value is not None else "—"


# the summary, one line per measure


def _requests_line(m: Measure) -> str:
    return _("🙋 Requests made: <b>{made}</b> (done: {done})").format(**m.figures)


def _timing_line(m: Measure) -> str:
    return _(
        "⏱ Median time to be taken: <b>{to_claim}</b> ({claimed} taken); to be done: "
        "<b>{to_done}</b> ({finished} done)"
    ).format(
        to_claim=_minutes(m.figures["to_claim"]),
        to_done=_minutes(m.figures["to_done"]),
        claimed=m.figures["claimed"],
        finished=m.figures["finished"],
    )


def _checkins_line(m: Measure) -> str:
    return _(
        "☎️ Check-ins sent: <b>{sent}</b>, answered: {answered}, passed on to the chain: {escalated}"
    ).format(**m.figures)


def _visits_line(m: Measure) -> str:
    wellbeing = m.figures["wellbeing"]
    if wellbeing is None:
        return _("🏠 Visits and calls made: <b>{done}</b>").format(done=m.figures["done"])
    return _("🏠 Visits and calls made: <b>{done}</b>, wellbeing on average {score} of 4").format(
        done=m.figures["done"], score=f"{wellbeing:g}"
    )


def _hours_line(m: Measure) -> str:
    return _("⏳ Time volunteers gave: <b>{hours} h</b>").format(hours=f"{m.figures['hours']:g}")


def _broadcasts_line(m: Measure) -> str:
    return _("📣 Notices sent: <b>{broadcasts}</b>").format(**m.figures)


_SUMMARY: dict[str, Callable[[Measure], str]] = {
    "requests": _requests_line,
    "timing": _timing_line,
    "checkins": _checkins_line,
    "visits": _visits_line,
    "hours": _hours_line,
    "broadcasts": _broadcasts_line,
    "concerns": care.concerns_line,
    "wishes": care.wishes_line,
    "survey": care.survey_line,
}


def summary_text(report: Report) -> str:
    lines = [
        _("📊 <b>Numbers: {period}</b> ({days})").format(
            period=period_name(report.period.kind), days=_days(report)
        ),
        _("Communities: {names}").format(names=join_items(report.community_names)),
        "",
    ]
    measures = report.measures
    lines += [line(measures[key]) for key, line in _SUMMARY.items() if key in measures]
    return "\n".join(lines)


def numbers_keyboard(kind: PeriodKind) -> InlineKeyboardMarkup:
    other = PeriodKind.MONTH if kind is PeriodKind.WEEK else PeriodKind.WEEK
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("📅 {period}").format(period=period_name(other)),
                callback_data=NumbersStep(step="period", period=other).pack(),
            ),
            InlineKeyboardButton(
                text=_("📥 Spreadsheet (XLSX)"),
                callback_data=NumbersStep(step="xlsx", period=kind).pack(),
            ),
            InlineKeyboardButton(
                text=_("📄 Table (CSV)"), callback_data=NumbersStep(step="csv", period=kind).pack()
            ),
            InlineKeyboardButton(
                text=_("🗓 Weekly numbers to the group"),
                callback_data=NumbersStep(step="digest", period=kind).pack(),
            ),
        ]
    )


# the charts, one panel per measure


def _requests_panel(m: Measure) -> Bars:
    groups = _status_group_names()
    categories = sorted({str(row[0]) for row in m.rows})
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for category, status, count in m.rows:
        counts[_STATUS_GROUPS.get(str(status), "closed")][str(category)] += int(count or 0)
    series = [
        (name, [float(counts[group][category]) for category in categories])
        for group, name in groups.items()
        if group in counts
    ]
    return Bars(
        _("Requests by kind and where they stand"),
        [_category(category) for category in categories],
        series,
        horizontal=True,
    )


def _timing_panel(m: Measure) -> Bars:
    values = {str(row[0]): row[2] for row in m.rows}
    return Bars(
        _("Median time, in minutes"),
        [_("to be taken"), _("to be done")],
        [("", [float(values.get("claim") or 0), float(values.get("done") or 0)])],
    )


def _checkins_panel(m: Measure) -> Bars:
    return Bars(
        _("Check-ins"),
        [_("sent"), _("answered"), _("passed on")],
        [("", [float(m.figures["sent"] or 0), float(m.figures["answered"] or 0),
               float(m.figures["escalated"] or 0)])],
    )  # fmt: skip


def _visits_panel(m: Measure) -> Line:
    return Line(
        _("Wellbeing seen on visits (0 to 4), {done} visits").format(done=m.figures["done"]),
        [date_label(date.fromisoformat(str(row[0]))) for row in m.rows],
        [float(row[2]) if row[2] is not None else None for row in m.rows],
        low=0,
        high=4.2,
    )


def _hours_panel(m: Measure) -> Bars:
    values = {str(row[0]): float(row[2] or 0) for row in m.rows}
    return Bars(
        _("Hours volunteers gave"),
        [_("on tasks"), _("on visits")],
        [("", [values.get("tasks", 0.0), values.get("visits", 0.0)])],
        unit=_(" h"),
    )


_PANELS: dict[str, Callable[[Measure], Bars | Line]] = {
    "requests": _requests_panel,
    "timing": _timing_panel,
    "checkins": _checkins_panel,
    "visits": _visits_panel,
    "hours": _hours_panel,
    "concerns": care.concerns_panel,
    "wishes": care.wishes_panel,
    "survey": care.survey_panel,
}


def picture(report: Report) -> Picture:
    """What the chart shows: the data fed to `render.charts.png`, in the reader's language."""
    return Picture(
        _("{period} ({days})").format(period=period_name(report.period.kind), days=_days(report)),
        [panel(report.measures[key]) for key, panel in _PANELS.items() if key in report.measures],
        empty=_("Nothing yet"),
    )


# the export, one table per measure


def _column_names() -> dict[str, str]:
    return {
        "category": _("Kind of help"),
        "status": _("Status"),
        "count": _("Number"),
        "step": _("Step"),
        "median_minutes": _("Median minutes"),
        "sent": _("Sent"),
        "answered": _("Answered"),
        "escalated": _("Passed on to the chain"),
        "day": _("Day"),
        "visits": _("Visits and calls"),
        "wellbeing": _("Wellbeing (0 to 4)"),
        "kind": _("On"),
        "minutes": _("Minutes"),
        "hours": _("Hours"),
        "broadcasts": _("Notices sent"),
        "what": _("What"),
        "question": _("Question"),
        "answers": _("Answers"),
        "average": _("Average"),
        "top": _("Best possible"),
        "stage": _("Stage"),
    }


def _table_titles() -> dict[str, str]:
    return {
        "requests": _("Requests"),
        "timing": _("Time to help"),
        "checkins": _("Check-ins"),
        "visits": _("Visits"),
        "hours": _("Volunteer hours"),
        "broadcasts": _("Notices"),
        "concerns": _("Concerns"),
        "wishes": _("Small wishes"),
        "survey": _("Survey"),
    }


def _cell_words() -> dict[str, str]:
    return {
        "claim": _("to be taken"),
        "done": _("to be done"),
        "tasks": _("on tasks"),
    }


def tables(report: Report) -> list[Table]:
    """One table per measure: the export's sheets. A category keeps its name in words."""
    names, titles, words = _column_names(), _table_titles(), _cell_words()
    found = []
    for key, measure in report.measures.items():
        rows = []
        for row in measure.rows:
            cells: list[str | int | float | None] = []
            for column, cell in zip(measure.columns, row, strict=True):
                if column == "category":
                    cell = _category(cell)
                elif key == "concerns" and column in ("what", "status"):
                    cell = care.concern_words().get(str(cell), str(cell))
                elif column == "stage":
                    cell = care.wish_words().get(str(cell), str(cell))
                elif column == "question":
                    cell = survey_views.question_short(str(cell))
                elif column == "status":
                    cell = _status_group_names()[_STATUS_GROUPS.get(str(cell), "closed")]
                elif column in ("step", "kind"):
                    cell = words.get(str(cell), _("on visits"))
                cells.append(cell)
            rows.append(cells)
        header = [names.get(column, column) for column in measure.columns]
        found.append(Table(titles.get(key, key), header, rows))
    return found


def file_name(report: Report, extension: str) -> str:
    return f"linli-numbers-{report.period.kind}-{report.period.last_day.isoformat()}.{extension}"


def export_heading(report: Report) -> str:
    return _("{period} ({days}): {names}").format(
        period=period_name(report.period.kind),
        days=_days(report),
        names=join_items(report.community_names),
    )


def file_caption(report: Report) -> str:
    return _("📥 The numbers of {period}, one sheet per measure.").format(
        period=period_name(report.period.kind).lower()
    )


def coordinators_only() -> str:
    return _("The numbers are for coordinators. Thank you for all you do! 🌷")


# the weekly digest


def digest_text(setting: NumbersDigest | None) -> str:
    if setting is None:
        when = _("Not sent yet.")
    else:
        when = _("Every {weekday} at {hour:02d}:00.").format(
            weekday=weekday_names()[setting.weekday], hour=setting.hour
        )
    return _(
        "🗓 <b>Weekly numbers</b>\nEach week the coordinators' group can get the charts and "
        "the spreadsheet of the past 7 days.\nNow: {when}\n\nWhich day should they come?"
    ).format(when=when)


def weekday_keyboard(setting: NumbersDigest | None) -> InlineKeyboardMarkup:
    days = weekday_names()
    buttons = [
        InlineKeyboardButton(
            text=days[weekday], callback_data=NumbersStep(step="day", value=weekday).pack()
        )
        for weekday in range(7)
    ]
    rows = [buttons[:4], buttons[4:]]
    if setting is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("🔕 Stop the weekly numbers"),
                    callback_data=NumbersStep(step="stop").pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def hour_text(weekday: int) -> str:
    return _("At what time on {weekday}?").format(weekday=weekday_names()[weekday])


def hour_keyboard(weekday: int) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=f"{hour:02d}:00",
            callback_data=NumbersStep(step="hour", period=str(weekday), value=hour).pack(),
        )
        for hour in DIGEST_HOURS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 4] for i in range(0, 15, 4)])


def digest_set_text(setting: NumbersDigest) -> str:
    return _(
        "✅ The weekly numbers will go to the coordinators' group every {weekday} at {hour:02d}:00."
    ).format(weekday=weekday_names()[setting.weekday], hour=setting.hour)


def digest_stopped_text() -> str:
    return _("🔕 The weekly numbers are stopped. You can turn them on again here at any time.")


def digest_caption(report: Report) -> str:
    return _("🗓 <b>Weekly numbers</b>\n\n{summary}").format(summary=summary_text(report))


@dataclass(frozen=True)
class DigestWords:
    """What the weekly numbers say in one language, before the chart and file are drawn."""

    locale: str
    caption: str
    picture: Picture
    tables: list[Table]
    heading: str
    file_caption: str
    png_name: str
    xlsx_name: str


def digest_words(report: Report, locale: str) -> DigestWords:
    """In `locale`, which the caller has set."""
    return DigestWords(
        locale,
        digest_caption(report),
        picture(report),
        tables(report),
        export_heading(report),
        file_caption(report),
        file_name(report, "png"),
        file_name(report, "xlsx"),
    )
