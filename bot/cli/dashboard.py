"""`ykien dashboard link --role-id ID`: a one-time dashboard sign-in link for a role holder
without Telegram (given to them by hand, as an invitation is)."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.services import Services
from surveys.signin import LINK_TTL, SignInRefused

COMMANDS = Commands(groups={"dashboard": "bảng theo dõi trên web"})


@COMMANDS.command(
    "dashboard link",
    Arg("--role-id", type=int, required=True, help="số của quyền (ykien roles list)"),
    help="đường link đăng nhập một lần cho một vai trò",
)
async def link(services: Services, args: argparse.Namespace) -> str:
    base = services.settings.web_url
    if base is None:
        raise CliError("cli_dashboard_error.txt", reason="no_web", value="")
    try:
        secret, grant = await services.signin.role_link(args.role_id)
    except SignInRefused as exc:
        raise CliError("cli_roles_error.txt", reason="no_grant", value=args.role_id) from exc
    return render(
        "cli_dashboard_link.txt",
        url=f"{base}/d/in/{secret}",
        grant=grant,
        minutes=int(LINK_TTL.total_seconds() // 60),
    )
