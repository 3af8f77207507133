"""`ykien thresholds set|list`: the verdict thresholds each province uses."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.services import Services
from surveys.thresholds import PRESETS, ThresholdsRefused

COMMANDS = {"thresholds"}


def add_parsers(sub: Any) -> None:
    thresholds = sub.add_parser("thresholds", help="ngưỡng đánh giá của từng tỉnh")
    actions = thresholds.add_subparsers(dest="thresholds_command", required=True)
    setter = actions.add_parser("set", help="đặt ngưỡng cho một tỉnh")
    setter.add_argument("--province", type=int, required=True)
    setter.add_argument("--preset", help=f"bộ ngưỡng có sẵn: {', '.join(PRESETS)}")
    setter.add_argument("--overall", help="ngưỡng hài lòng chung, % (50-100)")
    setter.add_argument("--floor", help="ngưỡng tối thiểu của mỗi câu, % (0-100)")
    setter.add_argument("--margin", help="sai số của công thức cỡ mẫu, % (1-20)")
    setter.add_argument("--coverage", help="tỷ lệ hộ (người) tối thiểu được lấy ý kiến, % (0-100)")
    setter.add_argument(
        "--floor-rule",
        help="một câu dưới ngưỡng tối thiểu: fail (Chưa đạt) hoặc watch (Cần chú ý)",
    )
    actions.add_parser("list", help="các tỉnh có ngưỡng riêng và ngưỡng mặc định")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    if args.thresholds_command == "list":
        return render(
            "cli_thresholds.txt",
            settings=await services.thresholds.list_all(),
            defaults=services.settings.thresholds,
        ).rstrip("\n")
    try:
        setting = await services.thresholds.set(
            args.province,
            preset=args.preset,
            overall=args.overall,
            floor=args.floor,
            margin=args.margin,
            coverage=args.coverage,
            floor_rule=args.floor_rule,
        )
    except ThresholdsRefused as exc:
        raise CliError(
            "cli_thresholds_refused.txt", reason=exc.reason, value=exc.value, presets=list(PRESETS)
        ) from exc
    return render("cli_thresholds_set.txt", setting=setting).rstrip("\n")
