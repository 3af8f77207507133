"""`ykien thresholds set|list`: the verdict thresholds each province uses."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.services import Services
from surveys.thresholds import PRESETS, ThresholdsRefused

COMMANDS = Commands(groups={"thresholds": "ngưỡng đánh giá của từng tỉnh"})


@COMMANDS.command(
    "thresholds set",
    Arg("--province", type=int, required=True),
    Arg("--preset", help=f"bộ ngưỡng có sẵn: {', '.join(PRESETS)}"),
    Arg("--overall", help="ngưỡng hài lòng chung, %% (50-100)"),
    Arg("--floor", help="ngưỡng tối thiểu của mỗi câu, %% (0-100)"),
    Arg("--margin", help="sai số của công thức cỡ mẫu, %% (1-20)"),
    Arg("--coverage", help="tỷ lệ hộ (người) tối thiểu được lấy ý kiến, %% (0-100)"),
    Arg(
        "--floor-rule", help="một câu dưới ngưỡng tối thiểu: fail (Chưa đạt) hoặc watch (Cần chú ý)"
    ),
    help="đặt ngưỡng cho một tỉnh",
)
async def set_thresholds(services: Services, args: argparse.Namespace) -> str:
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


@COMMANDS.command("thresholds list", help="các tỉnh có ngưỡng riêng và ngưỡng mặc định")
async def thresholds(services: Services, args: argparse.Namespace) -> str:
    return render(
        "cli_thresholds.txt",
        settings=await services.thresholds.list_all(),
        defaults=services.settings.thresholds,
    ).rstrip("\n")
