"""Verdict thresholds per province: presets "90" and "95", or figures set one by one.

A province without its own thresholds uses the deployment's (surveys.scoring defaults: overall
>= 90 %, every question >= 70 %, 70 % of units surveyed, a question under the floor gives
"Cần chú ý"). k (small-cell suppression) stays one setting for everybody. Figures are typed as
percentages; a refusal stores nothing.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from storage import communes as communes_db
from storage import thresholds as thresholds_db
from storage.records import Province
from surveys.env import Env
from surveys.scoring import PRESET_90, PRESET_95, Thresholds

PRESETS = {"90": PRESET_90, "95": PRESET_95}
OVERALL_RANGE = (50.0, 100.0)
FLOOR_RANGE = (0.0, 100.0)
MARGIN_RANGE = (1.0, 20.0)  # the sampling rule's margin of error, in percent
COVERAGE_RANGE = (0.0, 100.0)  # share of units surveyed; MTTQ asks 70-85 % by level
FLOOR_RULES = {"fail": True, "watch": False}  # a question under the floor: Chưa đạt / Cần chú ý


class ThresholdsRefused(Exception):
    def __init__(self, reason: str, value: object = None) -> None:
        super().__init__(reason)
        self.reason = reason  # unknown_province, unknown_preset, bad_overall, bad_floor, ...
        self.value = value


@dataclass(frozen=True)
class ProvinceSetting:
    province: Province
    thresholds: Thresholds
    preset: str | None  # None: set figure by figure


def _percent(text: str | None, bounds: tuple[float, float], reason: str) -> float | None:
    """A typed percentage ("95", "92,5") as a fraction; None when not given."""
    if text is None:
        return None
    try:
        value = float(text.strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise ThresholdsRefused(reason, text) from None
    if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        raise ThresholdsRefused(reason, text)
    return round(value / 100, 6)


def from_stored(base: Thresholds, row: thresholds_db.ProvinceThresholds | None) -> Thresholds:
    if row is None:
        return base
    return dataclasses.replace(
        base,
        overall=row.overall,
        question_floor=row.question_floor,
        fail_below=row.fail_below,
        margin=row.margin,
        coverage=row.coverage,
        floor_fails=row.floor_fails,
    )


async def for_province(env: Env, province_code: int) -> Thresholds:
    """The thresholds a province's verdicts use."""
    row = await thresholds_db.get(env.db.conn, province_code)
    return from_stored(env.settings.thresholds, row)


class ThresholdService:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def set(
        self,
        province_code: int,
        *,
        preset: str | None = None,
        overall: str | None = None,
        floor: str | None = None,
        margin: str | None = None,
        coverage: str | None = None,
        floor_rule: str | None = None,
    ) -> ProvinceSetting:
        """A preset, then any figure given on top of it (or of the province's current ones)."""
        conn = self.env.db.conn
        province = await communes_db.get_province(conn, province_code)
        if province is None:
            raise ThresholdsRefused("unknown_province", province_code)
        if preset is not None and preset.strip().rstrip("%") not in PRESETS:
            raise ThresholdsRefused("unknown_preset", preset)
        new_overall = _percent(overall, OVERALL_RANGE, "bad_overall")
        new_floor = _percent(floor, FLOOR_RANGE, "bad_floor")
        new_margin = _percent(margin, MARGIN_RANGE, "bad_margin")
        new_coverage = _percent(coverage, COVERAGE_RANGE, "bad_coverage")
        rule = None if floor_rule is None else floor_rule.strip().lower()
        if rule is not None and rule not in FLOOR_RULES:
            raise ThresholdsRefused("bad_floor_rule", floor_rule)
        given = (new_overall, new_floor, new_margin, new_coverage, rule)
        if preset is None and all(g is None for g in given):
            raise ThresholdsRefused("nothing_to_set")
        name = preset.strip().rstrip("%") if preset is not None else None
        base = (
            dataclasses.replace(PRESETS[name], min_group=self.env.settings.thresholds.min_group)
            if name is not None
            else await for_province(self.env, province_code)
        )
        target = base.overall if new_overall is None else new_overall
        changed = dataclasses.replace(
            base,
            overall=target,
            question_floor=base.question_floor if new_floor is None else new_floor,
            margin=base.margin if new_margin is None else new_margin,
            coverage=base.coverage if new_coverage is None else new_coverage,
            floor_fails=base.floor_fails if rule is None else FLOOR_RULES[rule],
            fail_below=min(base.fail_below, target),  # "Chưa đạt" starts at the threshold at most
        )
        same_as_preset = name is not None and changed == base
        row = thresholds_db.ProvinceThresholds(
            province_code,
            name if same_as_preset else None,
            changed.overall,
            changed.question_floor,
            changed.fail_below,
            changed.margin,
            changed.coverage,
            changed.floor_fails,
        )
        async with self.env.db.transaction() as tx:
            await thresholds_db.put(tx, row, self.env.now())
        return ProvinceSetting(province, changed, row.preset)

    async def list_all(self) -> list[ProvinceSetting]:
        """Provinces with their own thresholds (every other one uses the defaults)."""
        conn = self.env.db.conn
        provinces = {p.code: p for p in await communes_db.list_provinces(conn)}
        base = self.env.settings.thresholds
        return [
            ProvinceSetting(provinces[r.province_code], from_stored(base, r), r.preset)
            for r in await thresholds_db.list_all(conn)
            if r.province_code in provinces
        ]
