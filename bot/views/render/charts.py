"""Charts as PNG: a few panels on one picture, each a plain description of what to draw (bars
or a line, with its words already in the reader's language). Pure: panels in, bytes out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.views.render.fonts import drawing, figure, to_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS = ("#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#264653", "#8ab17d", "#b5838d", "#6d6875")


@dataclass(frozen=True)
class Bars:
    """Bars per label; several series are stacked (a request's statuses per category)."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = ""
    horizontal: bool = False


@dataclass(frozen=True)
class Line:
    """A value per label (a day), with gaps where there is none; `low`..`high` its scale."""

    title: str
    labels: list[str]
    values: list[float | None]
    low: float = 0
    high: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Picture:
    title: str
    panels: list[Bars | Line] = field(default_factory=list)
    empty: str = ""  # what a panel with nothing to show says


def _bars(axes: Axes, panel: Bars, empty: str) -> None:
    if not panel.labels or not any(any(values) for _name, values in panel.series):
        _nothing(axes, empty)
        return
    positions = list(range(len(panel.labels)))
    base = [0.0] * len(panel.labels)
    draw = axes.barh if panel.horizontal else axes.bar
    for index, (name, values) in enumerate(panel.series):
        kwargs = {"left": base} if panel.horizontal else {"bottom": base}
        draw(positions, values, label=name or None, color=COLOURS[index % len(COLOURS)], **kwargs)
        base = [b + v for b, v in zip(base, values, strict=True)]
    if panel.horizontal:
        axes.set_yticks(positions, panel.labels)
        axes.invert_yaxis()
    else:
        axes.set_xticks(positions, panel.labels)
    for position, total in zip(positions, base, strict=True):
        text = f"{total:g}{panel.unit}"
        if panel.horizontal:
            axes.text(total, position, f" {text}", va="center", fontsize=10)
        else:
            axes.text(position, total, text, ha="center", va="bottom", fontsize=10)
    if len(panel.series) > 1:
        axes.legend(fontsize=9, loc="lower right")
    top = max(base) * 1.2 or 1
    (axes.set_xlim if panel.horizontal else axes.set_ylim)(0, top)
    from matplotlib.ticker import MaxNLocator

    (axes.xaxis if panel.horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))


def _line(axes: Axes, panel: Line, empty: str) -> None:
    points = [(i, v) for i, v in enumerate(panel.values) if v is not None]
    if not points:
        _nothing(axes, empty)
        return
    axes.plot([i for i, _v in points], [v for _i, v in points], marker="o", color=COLOURS[0])
    axes.set_xticks(range(len(panel.labels)), panel.labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylim(panel.low, panel.high)
    if panel.note:
        axes.set_ylabel(panel.note, fontsize=9)


def _nothing(axes: Axes, empty: str) -> None:
    axes.text(0.5, 0.5, empty, ha="center", va="center", fontsize=12, color="#777777")
    axes.set_xticks([])
    axes.set_yticks([])


def png(picture: Picture, locale: str | None) -> bytes:
    """The panels two by two, under the picture's title, in the reader's CJK font."""
    columns = 2
    rows = max(1, math.ceil(len(picture.panels) / columns))
    with drawing(locale):
        fig = figure(11, 3.6 * rows + 0.6)
        fig.suptitle(picture.title, fontsize=16)
        grid = fig.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            if index >= len(picture.panels):
                axes.set_visible(False)
                continue
            panel = picture.panels[index]
            axes.set_title(panel.title, fontsize=13)
            if isinstance(panel, Bars):
                _bars(axes, panel, picture.empty)
            else:
                _line(axes, panel, picture.empty)
        return to_bytes(fig, "png", dpi=100)
