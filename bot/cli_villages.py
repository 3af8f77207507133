"""`ykien village add|list|rename|remove`: the villages (thôn) residents pick from."""

from __future__ import annotations

import argparse

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from storage.records import Commune
from surveys.access import Actor
from surveys.services import Services
from surveys.villages import VillageRefused

COMMANDS = {"village"}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    village = sub.add_parser("village", help="thôn, tổ dân phố").add_subparsers(
        dest="action", required=True
    )
    vadd = village.add_parser("add", help="thêm thôn")
    vadd.add_argument("--commune", type=int, required=True)
    vadd.add_argument("names", nargs="+")
    village.add_parser("list", help="các thôn của xã").add_argument(
        "--commune", type=int, required=True
    )
    rename = village.add_parser("rename", help="đổi tên thôn (câu trả lời và mã hộ giữ nguyên)")
    rename.add_argument("--commune", type=int, required=True)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    remove = village.add_parser("remove", help="xóa thôn chưa có câu trả lời hay mã hộ")
    remove.add_argument("--commune", type=int, required=True)
    remove.add_argument("name", metavar="NAME")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    commune = await _commune(services, args.commune)
    villages, operator = services.villages, Actor.operator()
    try:
        if args.action == "add":
            added = await villages.add_names(operator, commune.code, args.names)
            return render("cli_villages_added.txt", commune=commune, added=added)
        if args.action == "rename":
            village, name = await villages.rename(operator, commune.code, args.old, args.new)
            return render("cli_village_changed.txt", village=village, new=name, removed=None)
        if args.action == "remove":
            village, residents = await villages.remove(operator, commune.code, args.name)
            return render("cli_village_changed.txt", village=village, new=None, removed=residents)
    except VillageRefused as exc:
        raise CliError("cli_village_error.txt", reason=exc.reason, value=exc.value) from exc
    opened = await villages.open(operator, commune.code)
    assert opened is not None  # _commune found it
    return render("cli_villages.txt", commune=commune, villages=opened[1])


async def _commune(services: Services, code: int) -> Commune:
    commune = await services.residents.commune(code)
    if commune is None:
        raise CliError("cli_error.txt", reason="unknown_commune", value=code)
    return commune
