"""The one CJK font every picture linli draws uses: Noto Sans CJK, from the
`noto-cjk-sans-otc` wheel the project installs (no system font, no root). Matplotlib is loaded
here, on first use, with its Agg backend only: the bot starts as fast without it, and no
picture ever needs a display.

Other pictures (an hours certificate, a case file's PDF) take `figure` and `family_for` from
here, so every one of them writes Chinese the same way."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_FAMILIES = {"zh_Hant": "Noto Sans CJK TC"}
DEFAULT_FAMILY = "Noto Sans CJK SC"  # Simplified Chinese; its Latin letters serve English
_lock = threading.Lock()
_draw_lock = threading.Lock()
_ready = False


def family_for(locale: str | None) -> str:
    """The font family whose glyphs suit the reader's script."""
    return _FAMILIES.get(locale or "", DEFAULT_FAMILY)


def prepare() -> None:
    """Load matplotlib (Agg) and register the CJK font, once per process (thread-safe)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        import matplotlib

        matplotlib.use("Agg")
        import noto_cjk_sans_otc
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
        matplotlib.rcParams["pdf.fonttype"] = 42  # the font embedded, its text searchable
        matplotlib.rcParams["axes.unicode_minus"] = False
        _ready = True


@contextmanager
def drawing(locale: str | None) -> Iterator[None]:
    """Draw and save a picture inside this: the reader's CJK font for every text of it.
    Matplotlib's settings are the process's, so pictures are drawn one at a time."""
    prepare()
    import matplotlib

    with _draw_lock, matplotlib.rc_context({"font.family": family_for(locale)}):
        yield


def figure(width_inches: float, height_inches: float) -> Figure:
    """A figure of its own (not pyplot's shared one); inside `drawing`."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_inches, height_inches), layout="constrained")


def to_bytes(fig: Figure, fmt: Literal["png", "pdf"], dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()
