"""The hours certificate (志愿服务时长证明): A4, its title, the volunteer's name, the hours and
when, the community that signs it and the code to check it. Pure: words in, PNG or PDF bytes
out (the same drawing). Nothing personal beyond the name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.views.render.fonts import drawing, figure, to_bytes

A4_INCHES = (8.27, 11.69)
PNG_DPI = 150  # 1240 x 1753 pixels, as the poster
INK = "#1d6f63"
WIDTH_INCHES = A4_INCHES[0] * 0.8  # what a line may take, inside the border


def fitting(text: str, size: float) -> float:
    """`size`, or smaller for a line that would not fit (a long name of a community, an
    English title): a CJK character is about one em wide, a Latin letter about half."""
    ems = sum(1.0 if ord(char) >= 0x2E80 else 0.56 for char in text) or 1.0
    return min(size, WIDTH_INCHES * 72 / ems)


@dataclass(frozen=True)
class CertificateWords:
    title: str  # 志愿服务时长证明, in the reader's language
    subtitle: str  # the Chinese title under an English one; else ""
    certify: str  # 兹证明
    name: str
    lines: tuple[str, ...]  # what they gave, where and when: short lines
    hours: str  # 12.5 小时
    signature: str  # the community's full line
    issued: str  # the issue date
    code: str  # 验证码：ABCD-EFGH
    check: str  # how a coordinator checks it


def draw(words: CertificateWords, fmt: Literal["png", "pdf"], locale: str | None) -> bytes:
    from matplotlib.patches import Rectangle

    with drawing(locale):
        fig = figure(*A4_INCHES)
        fig.set_layout_engine("none")
        for inset, width in ((0.03, 3.0), (0.045, 1.0)):
            fig.patches.append(
                Rectangle((inset, inset * 0.707), 1 - 2 * inset, 1 - 2 * inset * 0.707,
                          transform=fig.transFigure, fill=False, edgecolor=INK, linewidth=width)
            )  # fmt: skip
        top = 0.86
        fig.text(0.5, top, words.title, ha="center", va="center", color=INK,
                 fontsize=fitting(words.title, 34))  # fmt: skip
        if words.subtitle:
            top -= 0.05
            fig.text(0.5, top, words.subtitle, ha="center", va="center", fontsize=22, color=INK)
        fig.text(0.5, top - 0.1, words.certify, ha="center", va="center", fontsize=18)
        fig.text(0.5, top - 0.17, words.name, ha="center", va="center",
                 fontsize=fitting(words.name, 32))  # fmt: skip
        y = top - 0.25
        for line in words.lines:
            fig.text(0.5, y, line, ha="center", va="center", fontsize=fitting(line, 16))
            y -= 0.035
        fig.text(0.5, y - 0.05, words.hours, ha="center", va="center", fontsize=40, color=INK)
        fig.text(0.88, 0.3, words.signature, ha="right", va="center",
                 fontsize=fitting(words.signature, 16))  # fmt: skip
        fig.text(0.88, 0.26, words.issued, ha="right", va="center", fontsize=14)
        fig.text(0.5, 0.15, words.code, ha="center", va="center", fontsize=18)
        fig.text(0.5, 0.11, words.check, ha="center", va="center", color="#555555",
                 fontsize=fitting(words.check, 11))  # fmt: skip
        return to_bytes(fig, fmt, dpi=PNG_DPI)
