"""`ykien zalo connect|status`: the commune's Zalo Official Account, its tokens and their health.

The secrets come from the environment, never from arguments (which `ps` and shell histories
show): YKIEN_ZALO_APP_SECRET, YKIEN_ZALO_OA_SECRET, YKIEN_ZALO_ACCESS_TOKEN and
YKIEN_ZALO_REFRESH_TOKEN, set for this one command. Nothing secret is printed, and the log
filter masks them from the moment they are read. `--commune CODE` ties the OA to the commune
it speaks for (an unknown code is refused, nothing stored).
"""

from __future__ import annotations

import argparse
import os

from bot import log_filter
from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.services import Services
from surveys.zalo_tokens import ConnectRefused, connect, statuses

COMMANDS = Commands(groups={"zalo": "Official Account Zalo của xã"})
SECRETS = {
    "app_secret": "YKIEN_ZALO_APP_SECRET",
    "oa_secret": "YKIEN_ZALO_OA_SECRET",
    "access_token": "YKIEN_ZALO_ACCESS_TOKEN",
    "refresh_token": "YKIEN_ZALO_REFRESH_TOKEN",
}


@COMMANDS.command(
    "zalo connect",
    Arg("--oa-id", required=True, help="mã OA (OA ID)"),
    Arg("--app-id", required=True, help="mã ứng dụng Zalo (App ID)"),
    Arg("--commune", type=int, help="mã xã mà OA thuộc về (kết nối lại không có: giữ xã cũ)"),
    help="lưu thông tin và token đầu tiên của OA (khóa bí mật lấy từ biến môi trường)",
)
async def connect_account(services: Services, args: argparse.Namespace) -> str:
    missing = [name for name in SECRETS.values() if not os.environ.get(name, "").strip()]
    if missing:
        raise CliError("cli_zalo_refused.txt", reason="missing_secrets", missing=missing)
    values = {key: os.environ[name] for key, name in SECRETS.items()}
    for value in values.values():
        log_filter.add_secret(value)
    try:
        status = await connect(
            services.env,
            oa_id=args.oa_id,
            app_id=args.app_id,
            commune_code=args.commune,
            app_secret=values["app_secret"],
            oa_secret=values["oa_secret"],
            access_token=values["access_token"],
            refresh_token=values["refresh_token"],
        )
    except ConnectRefused as exc:
        raise CliError(
            "cli_zalo_refused.txt", reason=exc.problem.value, missing=[], commune=args.commune
        ) from exc
    return render("cli_zalo_connected.txt", account=status).rstrip("\n")


@COMMANDS.command("zalo status", help="tình trạng token của các OA")
async def status(services: Services, args: argparse.Namespace) -> str:
    return render("cli_zalo_status.txt", accounts=await statuses(services.env)).rstrip("\n")
