"""`ykien invite`, `ykien roles`, `ykien audit` and `ykien retention`: the administrator's side."""

from __future__ import annotations

import argparse
from datetime import datetime, time

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Role
from surveys.invitations import InviteRefused
from surveys.services import Services

COMMANDS = {"invite", "roles", "audit", "retention"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    invite = sub.add_parser("invite", help="lời mời một lần cho cán bộ").add_subparsers(
        dest="action", required=True
    )
    staff = invite.add_parser("staff", help="cán bộ xã")
    staff.add_argument("--commune", type=int, action="append", required=True)
    officer = invite.add_parser("officer", help="cán bộ theo dõi (một tỉnh hoặc danh sách xã)")
    where = officer.add_mutually_exclusive_group(required=True)
    where.add_argument("--province", type=int)
    where.add_argument("--commune", type=int, action="append")
    for p in (staff, officer):
        p.add_argument("--days", type=int, default=7, help="số ngày lời mời còn hạn (mặc định 7)")
    invite.add_parser("list", help="các lời mời đã tạo")
    invite.add_parser("revoke", help="thu hồi lời mời chưa dùng").add_argument("id", type=int)

    roles = sub.add_parser("roles", help="quyền đã cấp").add_subparsers(
        dest="action", required=True
    )
    roles.add_parser("list")
    roles.add_parser("revoke").add_argument("id", type=int)

    audit = sub.add_parser("audit", help="nhật ký thao tác của cán bộ")
    audit.add_argument("--since", help="từ ngày, ví dụ 2026-11-01 (giờ Việt Nam)")

    retention = sub.add_parser("retention", help="xóa danh tính người dân lâu không hoạt động")
    retention.add_subparsers(dest="action", required=True).add_parser("run")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    tz = services.settings.timezone
    if args.command == "invite":
        if args.action == "list":
            invitations = await services.invitations.list_all()
            return render("cli_invitations.txt", invitations=invitations, tz=tz)
        if args.action == "revoke":
            revoked = await services.invitations.revoke(args.id)
            if revoked is None:
                raise CliError("cli_roles_error.txt", reason="no_invitation", value=args.id)
            return render("cli_invitation_revoked.txt", invitation=revoked)
        try:
            issued = await services.invitations.issue(
                Role(args.action),
                communes=args.commune,
                province=getattr(args, "province", None),
                days=args.days,
            )
        except InviteRefused as exc:
            raise CliError("cli_roles_error.txt", reason=exc.reason, value=exc.value) from exc
        return render("cli_invite.txt", issued=issued, tz=tz)
    if args.command == "roles":
        if args.action == "list":
            return render("cli_roles.txt", grants=await services.access.all_grants(), tz=tz)
        grant = await services.access.revoke(args.id)
        if grant is None:
            raise CliError("cli_roles_error.txt", reason="no_grant", value=args.id)
        return render("cli_role_revoked.txt", grant=grant)
    if args.command == "audit":
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
    erased = await services.privacy.run_retention()
    return render("cli_retention.txt", erased=erased, days=services.settings.retention_days)
