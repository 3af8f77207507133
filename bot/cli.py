"""`ykien`: the bot and every operator action, scriptable; bad input exits non-zero."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import Sequence

from bot import commands, log_filter
from bot.config import Config
from bot.extensions import CLI_GROUPS


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ykien", description="ykien: ý kiến người dân về NTM")
    p.add_argument("--db", dest="db_path", help="đường dẫn cơ sở dữ liệu (YKIEN_DB)")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="chạy bot (polling, hoặc webhook với --webhook-url)")
    run.add_argument("--token", help="token của bot (YKIEN_TOKEN)")
    run.add_argument("--api-url", help="Bot API server (YKIEN_API_URL)")
    run.add_argument("--webhook-url", help="nhận tin qua webhook tại URL này (YKIEN_WEBHOOK_URL)")
    run.add_argument("--listen", help="ĐỊA_CHỈ:CỔNG của máy chủ webhook (YKIEN_LISTEN)")
    run.add_argument("--db", dest="db_path", default=argparse.SUPPRESS)

    demo = sub.add_parser("demo", help="chạy toàn hệ thống ngoại tuyến với sandbox")
    demo.add_argument("--residents", type=int, default=200)
    demo.add_argument("--seed", type=int, default=2026)

    communes = sub.add_parser("communes", help="xã, phường").add_subparsers(
        dest="action", required=True
    )
    clist = communes.add_parser("list")
    clist.add_argument("--province", type=int)
    clist.add_argument("--search")

    link = sub.add_parser("link", help="đường link tham gia của xã (và mã QR)")
    link.add_argument("--commune", type=int, required=True)
    link.add_argument("--qr", metavar="FILE.png")

    village = sub.add_parser("village", help="thôn, tổ dân phố").add_subparsers(
        dest="action", required=True
    )
    vadd = village.add_parser("add")
    vadd.add_argument("--commune", type=int, required=True)
    vadd.add_argument("names", nargs="+")
    village.add_parser("list").add_argument("--commune", type=int, required=True)

    survey = sub.add_parser("survey", help="bộ câu hỏi").add_subparsers(
        dest="action", required=True
    )
    survey.add_parser("list")
    survey.add_parser("show").add_argument("id")
    survey.add_parser("add").add_argument("file")

    rnd = sub.add_parser("round", help="đợt lấy ý kiến").add_subparsers(
        dest="action", required=True
    )
    ropen = rnd.add_parser("open")
    ropen.add_argument("--commune", type=int, required=True)
    ropen.add_argument("--survey", required=True)
    ropen.add_argument("--at", help="giờ mở, ví dụ '2026-12-01 19:00' (giờ Việt Nam)")
    ropen.add_argument("--closes", help="giờ đóng, ví dụ '2026-12-15 21:00'")
    rnd.add_parser("close").add_argument("id", type=int)
    rnd.add_parser("list").add_argument("--commune", type=int)

    migrate = sub.add_parser("migrate", help="áp dụng migration")
    migrate.add_argument("--list", action="store_true")
    for group in CLI_GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env(os.environ).override(
            db_path=getattr(args, "db_path", None),
            token=getattr(args, "token", None),
            api_url=getattr(args, "api_url", None),
            webhook_url=getattr(args, "webhook_url", None),
            listen=getattr(args, "listen", None),
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    log_filter.setup(
        config.log_level,
        [s.reveal() for s in (config.token, config.webhook_secret, config.pseudonym_key) if s],
        config.pseudonym_key.reveal() if config.pseudonym_key else secrets.token_hex(32),
    )
    if args.command == "run":
        return commands.run(config)
    if args.command == "demo":
        from bot.demo import demo

        return asyncio.run(demo(config, residents=args.residents, seed=args.seed))
    return asyncio.run(commands.dispatch(config, args))


if __name__ == "__main__":
    sys.exit(main())
