"""`ykien zalo connect|status`: the commune's Zalo Official Account, its tokens and their health.

The secrets come from the environment, never from arguments (which `ps` and shell histories
show): YKIEN_ZALO_APP_SECRET, YKIEN_ZALO_OA_SECRET, YKIEN_ZALO_ACCESS_TOKEN and
YKIEN_ZALO_REFRESH_TOKEN, set for this one command. Nothing secret is printed.
"""

from __future__ import annotations

import argparse
import os

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
    help="lưu thông tin và token đầu tiên của OA (khóa bí mật lấy từ biến môi trường)",
)
async def connect_account(services: Services, args: argparse.Namespace) -> str:
    missing = [name for name in SECRETS.values() if not os.environ.get(name, "").strip()]
    if missing:
        raise CliError("cli_zalo_refused.txt", reason="missing_secrets", missing=missing)
    values = {key: os.environ[name] for key, name in SECRETS.items()}
    try:
        status = await connect(services.env, oa_id=args.oa_id, app_id=args.app_id, **values)
    except ConnectRefused as exc:
        raise CliError("cli_zalo_refused.txt", reason=exc.problem.value, missing=[]) from exc
    return render("cli_zalo_connected.txt", account=status).rstrip("\n")


@COMMANDS.command("zalo status", help="tình trạng token của các OA")
async def status(services: Services, args: argparse.Namespace) -> str:
    return render("cli_zalo_status.txt", accounts=await statuses(services.env)).rstrip("\n")
