"""`ykien invite`, `ykien roles`, `ykien audit` and `ykien retention`: the administrator's side."""

from __future__ import annotations

import argparse
from datetime import datetime, time

from bot.cli.registry import Arg, Commands, Exclusive
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Role
from surveys.invitations import InviteRefused
from surveys.services import Services

COMMANDS = Commands(
    groups={
        "invite": "lời mời một lần cho cán bộ",
        "roles": "quyền đã cấp",
        "retention": "xóa danh tính người dân lâu không hoạt động",
    }
)
DAYS = Arg("--days", type=int, default=7, help="số ngày lời mời còn hạn (mặc định 7)")


@COMMANDS.command(
    "invite staff",
    Arg("--commune", type=int, action="append", required=True),
    DAYS,
    help="cán bộ xã",
    links=True,
)
async def invite_staff(services: Services, args: argparse.Namespace) -> str:
    return await _invite(services, args, Role.STAFF)


@COMMANDS.command(
    "invite officer",
    Exclusive(
        Arg("--province", type=int), Arg("--commune", type=int, action="append"), required=True
    ),
    DAYS,
    help="cán bộ theo dõi (một tỉnh hoặc danh sách xã)",
    links=True,
)
async def invite_officer(services: Services, args: argparse.Namespace) -> str:
    return await _invite(services, args, Role.OFFICER)


async def _invite(services: Services, args: argparse.Namespace, role: Role) -> str:
    try:
        issued = await services.invitations.issue(
            role,
            communes=args.commune,
            province=getattr(args, "province", None),
            days=args.days,
        )
    except InviteRefused as exc:
        raise CliError("cli_roles_error.txt", reason=exc.reason, value=exc.value) from exc
    return render("cli_invite.txt", issued=issued, tz=services.settings.timezone)


@COMMANDS.command("invite list", help="các lời mời đã tạo")
async def invitations(services: Services, args: argparse.Namespace) -> str:
    invitations = await services.invitations.list_all()
    return render("cli_invitations.txt", invitations=invitations, tz=services.settings.timezone)


@COMMANDS.command("invite revoke", Arg("id", type=int), help="thu hồi lời mời chưa dùng")
async def revoke_invitation(services: Services, args: argparse.Namespace) -> str:
    revoked = await services.invitations.revoke(args.id)
    if revoked is None:
        raise CliError("cli_roles_error.txt", reason="no_invitation", value=args.id)
    return render("cli_invitation_revoked.txt", invitation=revoked)


@COMMANDS.command("roles list")
async def grants(services: Services, args: argparse.Namespace) -> str:
    grants = await services.access.all_grants()
    return render("cli_roles.txt", grants=grants, tz=services.settings.timezone)


@COMMANDS.command("roles revoke", Arg("id", type=int))
async def revoke_grant(services: Services, args: argparse.Namespace) -> str:
    grant = await services.access.revoke(args.id)
    if grant is None:
        raise CliError("cli_roles_error.txt", reason="no_grant", value=args.id)
    return render("cli_role_revoked.txt", grant=grant)


@COMMANDS.command(
    "audit",
    Arg("--since", help="từ ngày, ví dụ 2026-11-01 (giờ Việt Nam)"),
    help="nhật ký thao tác của cán bộ",
)
async def audit(services: Services, args: argparse.Namespace) -> str:
    tz = services.settings.timezone
    since = None
    if args.since:
        try:
            since = datetime.combine(datetime.strptime(args.since, "%Y-%m-%d"), time(), tz)
        except ValueError as exc:
            raise CliError("cli_roles_error.txt", reason="bad_date", value=args.since) from exc
    return render(
        "cli_audit.txt",
        entries=await services.access.audit_log(since),
        residents=await services.access.resident_actions(since),
        tz=tz,
    )


@COMMANDS.command("retention run")
async def retention(services: Services, args: argparse.Namespace) -> str:
    erased = await services.privacy.run_retention()
    return render("cli_retention.txt", erased=erased, days=services.settings.retention_days)
