"""Charts draw every Vietnamese label with a real glyph (DejaVu Sans)."""

from __future__ import annotations

import io
import warnings

from matplotlib import font_manager
from matplotlib import image as mpimg

from handlers import charts
from handlers.reports import Paper
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
