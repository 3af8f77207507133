"""Chart images (PNG) of a commune's shares and a province's ranking, drawn with matplotlib.

The Agg backend draws without a display; DejaVu Sans carries every Vietnamese diacritic, so
labels such as "Đường giao thông" render as written. Suppressed figures are drawn as absent.

Made to be printed: drawn at the width of an A4 text column (165 mm) at 200 dpi, so the 8-9 pt
labels stay 8-9 pt on paper; values sit in their own column right of 100 %, so none is ever
printed over a bar, an interval or a threshold line; bars under their threshold are light and
hatched, those above it solid and dark, so the two differ in black and white too, and the
threshold the shading follows is drawn as a line.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from handlers.views import labels
from handlers.views.texts import pct
from surveys.summaries import CommuneReport, ProvinceReport

if TYPE_CHECKING:
    from handlers.views.reports import Paper

plt.rcParams["font.family"] = "DejaVu Sans"
plt.rcParams["hatch.linewidth"] = 0.8

WIDTH_IN = 6.5  # the A4 text column between 30 mm and 15 mm margins
DPI = 200
ABOVE = {"color": "#7a7a7a", "edgecolor": "black", "hatch": None}  # mid grey, solid
BELOW = {"color": "#e6e6e6", "edgecolor": "black", "hatch": "///"}  # light, hatched


@dataclass(frozen=True)
class Bar:
    label: str
    share: float | None  # None: suppressed, drawn as absent
    low: float | None
    high: float | None
    passes: bool  # at or above the threshold its shading follows


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _svg(fig: plt.Figure) -> bytes:
    """For the web: drawn in a third of the PNG's time and a tenth of its weight once
    compressed; the glyphs are outlines, so it looks the same on a machine without DejaVu Sans
    and prints as sharp as the page around it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def subject(text: str) -> str:
    """A question's subject for a chart label: "Ông/bà có hài lòng với X không?" gives "X"."""
    for prefix in labels.CHART_DROP_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            text = text.removesuffix(labels.CHART_DROP_SUFFIX)
            return text[:1].upper() + text[1:]
    return text


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=2, placeholder="…"))


def _bars(ax: Axes, bars: Sequence[Bar], fontsize: float) -> None:
    """Bars with their intervals; each value printed in a column right of 100 %."""
    column = blended_transform_factory(ax.transAxes, ax.transData)
    for y, bar in enumerate(bars):
        if bar.share is None or bar.low is None or bar.high is None:
            ax.text(0.01, y, labels.CHART_HIDDEN, va="center", fontsize=fontsize, color="#444")
            ax.text(1.02, y, labels.HIDDEN_MARK, va="center", fontsize=fontsize, transform=column)
            continue
        style = ABOVE if bar.passes else BELOW
        ax.barh(y, bar.share, height=0.62, linewidth=0.6, **style)
        ax.errorbar(
            bar.share,
            y,
            xerr=[[bar.share - bar.low], [bar.high - bar.share]],
            fmt="none",
            ecolor="black",
            elinewidth=1.1,
            capsize=3,
        )
        ax.text(1.02, y, pct(bar.share), va="center", fontsize=fontsize, transform=column)
    ax.text(1.02, -0.9, labels.CHART_VALUE, va="center", fontsize=fontsize, transform=column,
            fontweight="bold")  # fmt: skip


def _axes(ax: Axes, names: Sequence[str], fontsize: float) -> None:
    ax.set_yticks(range(len(names)), names, fontsize=fontsize)
    ax.set_ylim(len(names) - 0.5, -1.3)  # first on top, a row of room for the value heading
    ax.set_xlim(0, 1)
    ax.set_xticks([i / 10 for i in range(11)], [f"{i * 10}%" for i in range(11)], fontsize=8)
    ax.grid(axis="x", color="#bbbbbb", linewidth=0.4)
    ax.set_axisbelow(True)
    ax.set_xlabel(labels.CHART_SHARE, fontsize=8.5)


def _line(ax: Axes, x: float, style: str, label: str) -> None:
    ax.axvline(x, color="black", linestyle=style, linewidth=1.3, label=label, zorder=3)


def _legend(ax: Axes, fontsize: float) -> None:
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Patch(facecolor=ABOVE["color"], edgecolor="black", label=labels.CHART_ABOVE),
        Patch(facecolor=BELOW["color"], edgecolor="black", hatch="///", label=labels.CHART_BELOW),
    ]
    # Half an inch under the axes whatever their height: a fraction of the axes (as before)
    # put the legend over the axis label on a province with one or two communes.
    below = ScaledTranslation(0, -0.5, ax.figure.dpi_scale_trans)
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=ax.transAxes + below,
        ncol=2,
        fontsize=fontsize,
        frameon=False,
    )


def commune_chart(report: CommuneReport, paper: Paper) -> bytes:
    return _png(commune_figure(report, paper))


def province_chart(report: ProvinceReport) -> bytes:
    return _png(province_figure(report))


def commune_svg(report: CommuneReport, paper: Paper) -> bytes:
    return _svg(commune_figure(report, paper))


def province_svg(report: ProvinceReport) -> bytes:
    return _svg(province_figure(report))


def commune_figure(report: CommuneReport, paper: Paper) -> plt.Figure:
    """Per-question shares with their 95% intervals, the per-question floor and the threshold."""
    summary = report.summary
    score, survey, t = summary.score, summary.survey, summary.thresholds
    bars: list[Bar] = []
    for i, q in enumerate(score.questions, start=1):
        text = _wrap(
            labels.CHART_QUESTION.format(
                i, subject(survey.questions[survey.index_of(q.question_id)].text)
            ),
            44,
        )
        passes = q.share is not None and q.share >= t.question_floor
        bars.append(Bar(text, q.share, q.low, q.high, passes))
    if score.overall is not None:
        o = score.overall
        n = len(score.questions) + 1
        text = _wrap(
            labels.CHART_OVERALL.format(
                n, subject(survey.questions[survey.index_of(o.question_id)].text)
            ),
            44,
        )
        bars.append(Bar(text, o.share, o.low, o.high, o.share is not None and o.share >= t.overall))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.44 * len(bars) + 1.9))
    _bars(ax, bars, 8.5)
    _axes(ax, [b.label for b in bars], 8)
    _line(ax, t.question_floor, ":", labels.CHART_FLOOR.format(pct(t.question_floor, 0)))
    _line(ax, t.overall, "--", labels.CHART_THRESHOLD.format(pct(t.overall, 0)))
    kind = labels.KIND_NAMES[paper.official]
    ax.set_title(labels.CHART_COMMUNE.format(summary.commune.name, paper.round_label, kind),
                 fontsize=10)  # fmt: skip
    _legend(ax, 8)
    return fig


def province_figure(report: ProvinceReport) -> plt.Figure:
    """Communes ranked by their headline share, with intervals; hidden ones are left out."""
    t = report.thresholds
    bars = [
        Bar(
            _wrap(r.commune.name, 30),
            r.ranked.share.share,
            r.ranked.share.low,
            r.ranked.share.high,
            (r.ranked.share.share or 0.0) >= t.overall,
        )
        for r in report.rows
        if r.ranked.share.share is not None
    ][:40]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.3 * max(len(bars), 1) + 1.9))
    _bars(ax, bars, 8)
    _axes(ax, [b.label for b in bars], 8)
    _line(ax, t.overall, "--", labels.CHART_THRESHOLD.format(pct(t.overall, 0)))
    ax.set_title(labels.CHART_PROVINCE.format(report.province.name), fontsize=10)
    _legend(ax, 8)
    return fig
