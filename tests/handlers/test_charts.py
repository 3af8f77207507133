"""Charts draw every Vietnamese label with a real glyph (DejaVu Sans)."""

from __future__ import annotations

import io
import warnings

import numpy as np
from matplotlib import font_manager
from matplotlib import image as mpimg
from matplotlib.transforms import Bbox

from handlers.views import charts
from handlers.views.reports import Paper
from tests.conftest import COMMUNE
from tests.summary_support import answer, open_round


async def test_charts_render_vietnamese_without_missing_glyphs(services, clock) -> None:
    await open_round(services, clock)
    for uid in range(1, 7):
        await answer(services, uid, scale="5" if uid % 2 else "2")
    report = await services.summaries.commune(COMMUNE)
    province = await services.summaries.province(12)
    assert "DejaVuSans" in font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        commune_png = charts.commune_chart(report, Paper.of(report, clock.now))
        province_png = charts.province_chart(province)
    assert not [w for w in caught if "Glyph" in str(w.message)]
    for png in (commune_png, province_png):
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 300  # a real image, not an empty one


def _boxes(fig) -> tuple[list, list]:
    """Display boxes of the value labels, and of every bar, interval and threshold line."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    values = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().endswith("%")]
    drawn = [p.get_window_extent(renderer) for p in ax.patches]
    drawn += [line.get_window_extent(renderer) for line in ax.lines]
    for c in ax.collections:  # the intervals: one segment per bar, in data units
        for segment in c.get_segments():
            drawn.append(Bbox(ax.transData.transform(segment)))
    assert all(np.isfinite(b.get_points()).all() for b in drawn)
    return values, drawn


async def test_values_never_overlap_bars_intervals_or_lines_and_differ_in_grey(
    services, clock
) -> None:
    """Shares near 100 % and near the thresholds, where a label in the plot would collide."""
    await open_round(services, clock)
    for uid in range(1, 21):
        await answer(
            services, uid, scale="5" if uid <= 18 else "2", overall="1" if uid <= 18 else "0"
        )
    report = await services.summaries.commune(COMMUNE)
    paper = Paper.of(report, clock.now)
    fig = charts.commune_figure(report, paper)
    values, drawn = _boxes(fig)
    assert len(values) == len(report.summary.score.questions) + 1
    assert not [(v, d) for v in values for d in drawn if v.overlaps(d)]
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names[0].startswith("Câu 1. Đường thôn") and "(chung)" in names[-1]
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() in (":", "--")] == [
        0.7,
        0.9,
    ]  # the floor the shading follows, and the overall threshold
    grey = {round(0.299 * r + 0.587 * g + 0.114 * b, 2) for r, g, b, _ in
            (p.get_facecolor() for p in ax.patches)}  # fmt: skip
    hatches = {p.get_hatch() for p in ax.patches}
    assert len(grey) == 1 and hatches == {None}  # 90 % everywhere: all above both thresholds
    await answer(services, 30, scale="1", overall="0")
    for uid in range(31, 40):
        await answer(services, uid, scale="2", overall="1")
    low = charts.commune_figure(await services.summaries.commune(COMMUNE), paper)
    patches = low.axes[0].patches
    shades = {(round(sum(p.get_facecolor()[:3]) / 3, 2), p.get_hatch()) for p in patches}
    assert len(shades) == 2 and {h for _, h in shades} == {None, "///"}
    (a, _), (b, _) = sorted(shades, key=lambda x: x[0])
    assert b - a > 0.25  # a third tone, not only a hue: tells apart on a grey-scale print
    values, drawn = _boxes(low)
    assert not [(v, d) for v in values for d in drawn if v.overlaps(d)]
    width, _ = fig.get_size_inches()
    assert width <= 6.6 and min(t.get_fontsize() for t in ax.texts) >= 8  # 8 pt on A4
