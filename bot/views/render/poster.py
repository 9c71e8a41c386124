"""The poster for a lobby's notice board: A4, large Chinese words, and a QR code of the
community's join link. Pure: words and link in, PNG or PDF bytes out (the same drawing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.views.render.fonts import drawing, figure, to_bytes

A4_INCHES = (8.27, 11.69)
PNG_DPI = 150  # 1240 x 1754 pixels: sharp when printed, small enough to send


@dataclass(frozen=True)
class PosterWords:
    community: str
    headline: str  # 扫码加入邻里互助
    place: str = ""  # a building, when the poster is for one
    lines: tuple[str, ...] = ()  # below the code: what happens, the phone
    link: str = ""  # printed small under the code, for those who type it


def qr_matrix(link: str) -> list[list[bool]]:
    """The QR code's modules, with its quiet zone (True: dark)."""
    import segno

    code = segno.make(link, error="m")
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=4)]


def draw(words: PosterWords, link: str, fmt: Literal["png", "pdf"], locale: str | None) -> bytes:
    matrix = qr_matrix(link)
    with drawing(locale):
        fig = figure(*A4_INCHES)
        fig.set_layout_engine("none")
        fig.text(0.5, 0.93, words.community, ha="center", va="center", fontsize=40)
        top = 0.86
        if words.place:
            fig.text(0.5, top, words.place, ha="center", va="center", fontsize=30)
            top -= 0.07
        fig.text(0.5, top, words.headline, ha="center", va="center", fontsize=44,
                 color="#1d6f63")  # fmt: skip
        side = 0.56  # of the page's width
        height = side * A4_INCHES[0] / A4_INCHES[1]
        axes = fig.add_axes((0.5 - side / 2, top - 0.05 - height, side, height))
        axes.imshow(matrix, cmap="gray_r", interpolation="nearest", vmin=0, vmax=1)
        axes.set_axis_off()
        y = top - 0.09 - height
        for line in words.lines:
            fig.text(0.5, y, line, ha="center", va="center", fontsize=22)
            y -= 0.05
        if words.link:
            fig.text(0.5, max(y, 0.04), words.link, ha="center", va="center", fontsize=12,
                     color="#555555")  # fmt: skip
        return to_bytes(fig, fmt, dpi=PNG_DPI)
