"""`ykien`: the bot and every operator action, scriptable; bad input exits non-zero."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from telegram.error import InvalidToken, NetworkError

from bot import commands, log_filter
from bot.cli_args import Parser
from bot.cli_database import check_database
from bot.cli_output import add_output, check_output
from bot.cli_support import FAILED, CliError, refuse
from bot.config import Config
from bot.extensions import CLI_GROUPS
from handlers.views.texts import render


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="ykien", description="ykien: ý kiến người dân về NTM")
    p.add_argument("--db", dest="db_path", help="đường dẫn cơ sở dữ liệu (YKIEN_DB)")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="chạy bot (polling, hoặc webhook với --webhook-url)")
    run.add_argument("--token", help="token của bot (YKIEN_TOKEN)")
    run.add_argument("--api-url", help="Bot API server (YKIEN_API_URL)")
    run.add_argument("--webhook-url", help="nhận tin qua webhook tại URL này (YKIEN_WEBHOOK_URL)")
    run.add_argument("--listen", help="ĐỊA_CHỈ:CỔNG của máy chủ webhook (YKIEN_LISTEN)")
    run.add_argument("--web-listen", help="ĐỊA_CHỈ:CỔNG của phiếu web (YKIEN_WEB_LISTEN)")
    run.add_argument("--db", dest="db_path", default=argparse.SUPPRESS)

    demo = sub.add_parser("demo", help="chạy toàn hệ thống ngoại tuyến với sandbox")
    demo.add_argument("--residents", type=int, default=200)
    demo.add_argument("--seed", type=int, default=2026)

    sandbox = sub.add_parser("sandbox", help="trang tập huấn: trò chuyện với bot trong trình duyệt")
    sandbox.add_argument(
        "--port", type=int, default=8765, help="cổng của trang trên 127.0.0.1 (mặc định 8765)"
    )

    communes = sub.add_parser("communes", help="xã, phường").add_subparsers(
        dest="action", required=True
    )
    clist = communes.add_parser("list")
    clist.add_argument("--province", type=int)
    clist.add_argument("--search")
    provinces = sub.add_parser("provinces", help="tỉnh, thành phố và mã của chúng")
    provinces.add_subparsers(dest="action", required=True).add_parser("list")

    link = sub.add_parser("link", help="đường link tham gia của xã (và mã QR)")
    link.add_argument("--commune", type=int, required=True)
    add_output(
        link,
        "--qr",
        metavar="POSTER.html|POSTER.png",
        help="áp phích A4 có mã QR (HTML hoặc PNG)",
        suffixes=frozenset({".html", ".png"}),
    )

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
    ropen.add_argument(
        "--official",
        action="store_true",
        help="đợt lấy ý kiến chính thức của xã (do MTTQ xã tổ chức)",
    )
    rnd.add_parser("close").add_argument("id", type=int)
    rnd.add_parser("list").add_argument("--commune", type=int)

    migrate = sub.add_parser("migrate", help="áp dụng migration")
    migrate.add_argument("--list", action="store_true")
    for group in CLI_GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader that left shows up here at the latest
    except BrokenPipeError:
        _drop_stdout()
        print(render("cli_output_closed.txt"), file=sys.stderr)
        return FAILED
    return code


def _no_network_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed getMe or getUpdates with the whole traceback; the operator needs only
    its one line (and `ykien run` says in Vietnamese what to check)."""
    if record.exc_info and isinstance(record.exc_info[1], NetworkError | InvalidToken):
        record.msg = f"{record.getMessage()} ({record.exc_info[1]})"
        record.args = None
        record.exc_info = None
    return True


def _drop_stdout() -> None:
    """`ykien ... | head`: the reader left. Point stdout at /dev/null so that Python's own
    flush at exit does not fail a second time with a traceback."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env(os.environ).override(
            db_path=getattr(args, "db_path", None),
            token=getattr(args, "token", None),
            api_url=getattr(args, "api_url", None),
            webhook_url=getattr(args, "webhook_url", None),
            listen=getattr(args, "listen", None),
            web_listen=getattr(args, "web_listen", None),
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Without YKIEN_PSEUDONYM_KEY, the deployment's key is in the database: whoever opens it
    # hands it to the filter (bot.app.open_services, post_init); a random one until then.
    log_filter.setup(
        config.log_level,
        [s.reveal() for s in (config.token, config.webhook_secret, config.pseudonym_key) if s],
        config.pseudonym_key.reveal() if config.pseudonym_key else secrets.token_hex(32),
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_no_network_traceback)
    try:
        if args.command not in ("demo", "sandbox"):  # each makes a database of its own
            check_database(config.db_path, args.command)
        check_output(args)
    except CliError as exc:
        return refuse(exc)
    if args.command == "run":
        return commands.run(config)
    if args.command == "demo":
        from bot.demo import demo

        return asyncio.run(demo(config, residents=args.residents, seed=args.seed))
    if args.command == "sandbox":
        from bot.training import serve

        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(serve(config, args.port))
        return 0
    return asyncio.run(commands.dispatch(config, args))


if __name__ == "__main__":
    sys.exit(main())
