"""The `ykien` command line: `main` is the console script (see bot.cli.main)."""

from bot.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
