"""The commune's printable A4 poster: its name, what to do, the QR code(s) and the link written out.

HTML for printing from a browser (QR codes as inline SVG, so it needs nothing else) and PNG for
sending or printing as an image. segno draws the codes: maintained, pure Python. Telegram is the
only channel today; the web e-sheet and Zalo add their own Code to the same list.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from markupsafe import Markup

from handlers.views import labels
from handlers.views.texts import render
from storage.records import Commune

A4_IN = (8.27, 11.69)
FORMATS = ("html", "png")


@dataclass(frozen=True)
class Code:
    channel: str  # a key of labels.POSTER_CHANNELS
    url: str


def _qr(url: str) -> segno.QRCode:
    """High error correction so a poster that is creased or dirty still scans."""
    return segno.make(url, error="h")


def poster_html(commune: Commune, codes: Sequence[Code]) -> str:
    shown = [(c, Markup(_qr(c.url).svg_inline(scale=8, border=2))) for c in codes]
    return render("poster_commune.html", commune=commune, codes=shown, text=labels)


def poster_png(commune: Commune, codes: Sequence[Code], *, dpi: int = 150) -> bytes:
    """The same poster drawn with matplotlib (already a dependency for the charts)."""
    from matplotlib import image as mpimg
    from matplotlib import pyplot as plt

    from handlers.views import charts  # noqa: F401  (the Agg backend and the DejaVu font)

    fig = plt.figure(figsize=A4_IN, dpi=dpi)
    fig.text(0.5, 0.93, labels.POSTER_TITLE.upper(), ha="center", fontsize=20, weight="bold")
    fig.text(0.5, 0.885, commune.name, ha="center", fontsize=34, weight="bold")
    fig.text(0.5, 0.855, commune.province_name, ha="center", fontsize=18)
    action = "\n".join(textwrap.wrap(labels.POSTER_ACTION, 58))
    fig.text(0.5, 0.80, action, ha="center", va="top", fontsize=15, linespacing=1.5)
    width = min(0.62, 0.9 / max(len(codes), 1))
    for i, code in enumerate(codes):
        left = (i + 0.5) / len(codes) - width / 2
        ax = fig.add_axes((left, 0.30, width, width * A4_IN[0] / A4_IN[1]))  # square on paper
        buffer = io.BytesIO()
        _qr(code.url).save(buffer, kind="png", scale=10, border=2)
        buffer.seek(0)
        ax.imshow(mpimg.imread(buffer, format="png"), cmap="gray", interpolation="nearest")
        ax.set_axis_off()
        x = (i + 0.5) / len(codes)
        fig.text(x, 0.27, labels.POSTER_CHANNELS[code.channel], ha="center", fontsize=16,
                 weight="bold")  # fmt: skip
        fig.text(x, 0.235, labels.POSTER_LINK, ha="center", fontsize=13)
        fig.text(x, 0.21, code.url, ha="center", fontsize=13, family="DejaVu Sans Mono")
    fig.text(0.5, 0.06, labels.POSTER_PRIVACY, ha="center", fontsize=11, style="italic")
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    plt.close(fig)
    return out.getvalue()


def poster_format(path: str) -> str | None:
    ext = Path(path).suffix.lower().lstrip(".")
    return ext if ext in FORMATS else None


def write_poster(commune: Commune, codes: Sequence[Code], path: Path) -> None:
    """By the file's extension: .html or .png (poster_format says which are known)."""
    if poster_format(str(path)) == "html":
        path.write_text(poster_html(commune, codes) + "\n", encoding="utf-8")
    else:
        path.write_bytes(poster_png(commune, codes))
