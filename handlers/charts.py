"""Chart images (PNG) of a commune's shares and a province's ranking, drawn with matplotlib.

The Agg backend draws without a display; DejaVu Sans carries every Vietnamese diacritic, so
labels such as "Đường giao thông" render as written. Suppressed figures are drawn as absent.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from handlers import labels
from handlers.texts import pct, shorten
from surveys.summaries import CommuneReport, ProvinceReport

plt.rcParams["font.family"] = "DejaVu Sans"


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _bar(ax: Axes, y: int, share: tuple[float, float, float], colour: str, capsize: int) -> None:
    """One horizontal bar (share, low, high) with its 95% interval as error bars."""
    value, low, high = share
    ax.barh(y, value, color=colour, height=0.6)
    ax.errorbar(
        value,
        y,
        xerr=[[value - low], [high - value]],
        fmt="none",
        ecolor="black",
        capsize=capsize,
        linewidth=1,
    )


def _threshold(ax: Axes, overall: float) -> None:
    ax.axvline(
        overall,
        color="#1f4e9c",
        linestyle="--",
        linewidth=1.2,
        label=labels.CHART_THRESHOLD.format(pct(overall, 0)),
    )


def commune_chart(report: CommuneReport) -> bytes:
    """Per-question shares with their 95% intervals and the threshold line."""
    summary = report.summary
    score = summary.score
    survey = summary.survey
    rows = [q for q in score.questions] + ([score.overall] if score.overall else [])
    names = [shorten(survey.questions[survey.index_of(q.question_id)].text, 42) for q in rows]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.6))
    for y, q in enumerate(rows):
        if q.share is None or q.low is None or q.high is None:
            ax.text(0.01, y, labels.CHART_HIDDEN, va="center", fontsize=8, color="#777")
            continue
        colour = "#2f6f3e" if q.share >= summary.thresholds.question_floor else "#b8412c"
        _bar(ax, y, (q.share, q.low, q.high), colour, capsize=3)
        ax.text(min(q.high + 0.01, 0.9), y, pct(q.share), va="center", fontsize=8)
    _threshold(ax, summary.thresholds.overall)
    ax.set_yticks(range(len(rows)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(labels.CHART_SHARE)
    ax.set_title(labels.CHART_COMMUNE.format(summary.commune.name, summary.round.id), fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def province_chart(report: ProvinceReport) -> bytes:
    """Communes ranked by their headline share, with intervals; hidden ones are left out."""
    rows = [r for r in report.rows if r.ranked.share.share is not None][:40]
    fig, ax = plt.subplots(figsize=(8, 0.3 * max(len(rows), 1) + 1.6))
    for y, row in enumerate(rows):
        s = row.ranked.share
        assert s.share is not None and s.low is not None and s.high is not None
        _bar(ax, y, (s.share, s.low, s.high), "#2f6f3e", capsize=2)
    ax.set_yticks(range(len(rows)), [shorten(r.commune.name, 30) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    _threshold(ax, report.thresholds.overall)
    ax.legend(loc="lower right", fontsize=7)
    ax.set_xlabel(labels.CHART_SHARE)
    ax.set_title(labels.CHART_PROVINCE.format(report.province.name), fontsize=10)
    return _png(fig)
