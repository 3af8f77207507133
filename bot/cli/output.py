"""Files the command line writes, in one place for every command.

An output path is checked before the command does anything (a missing folder, a folder, an
existing file without --force), so a refusal changes nothing; the file is then written beside
the target and renamed over it, so a failure leaves the old file, or none, never half a file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cli.support import CliError, CliFailure

_DEST = "output_dest"  # the parser default naming the argument that holds the output path
_SUFFIXES = "output_suffixes"  # and the file name endings it accepts (empty: any)

Content = bytes | str | Callable[[Path], Awaitable[None]]


def add_output(
    parser: argparse.ArgumentParser,
    *flags: str,
    metavar: str,
    help: str | None = None,
    suffixes: frozenset[str] = frozenset(),
) -> None:
    """The output-file argument of a command, with --force to overwrite an existing file."""
    action = parser.add_argument(*flags, metavar=metavar, help=help)
    parser.add_argument("--force", action="store_true", help="ghi đè tệp đã có")
    parser.set_defaults(**{_DEST: action.dest, _SUFFIXES: suffixes})


def output_path(args: argparse.Namespace) -> Path | None:
    dest = getattr(args, _DEST, None)
    value = getattr(args, dest, None) if dest else None
    return Path(value) if value else None


def check_output(args: argparse.Namespace) -> None:
    """Raises CliError if the command's output file cannot or may not be written."""
    target = output_path(args)
    if target is not None:
        _check(target, force=args.force, suffixes=getattr(args, _SUFFIXES))


def _check(target: Path, *, force: bool, suffixes: frozenset[str]) -> None:
    if target.is_dir():
        raise CliError("cli_output_error.txt", reason="folder", path=target)
    if not target.parent.is_dir():
        raise CliError("cli_output_error.txt", reason="no_folder", path=target)
    if suffixes and target.suffix.lower() not in suffixes:
        raise CliError("cli_output_error.txt", reason="suffix", path=target, suffixes=suffixes)
    if target.exists() and not force:
        raise CliError("cli_output_error.txt", reason="exists", path=target)
    if not os.access(target.parent, os.W_OK):
        raise CliError("cli_output_error.txt", reason="not_writable", path=target)


async def write_output(args: argparse.Namespace, content: Content) -> Path:
    """Writes the command's output file: bytes, text (UTF-8), or a coroutine that writes the
    given (temporary) path. Raises CliError, leaving the target as it was, on failure."""
    target = output_path(args)
    assert target is not None, "write_output needs a command declared with add_output"
    # Again: the folder may have gone, or the file appeared, while the command ran.
    await asyncio.to_thread(_check, target, force=args.force, suffixes=getattr(args, _SUFFIXES))
    tmp = Path(await asyncio.to_thread(_temporary_beside, target))
    try:
        if isinstance(content, bytes):
            await asyncio.to_thread(tmp.write_bytes, content)
        elif isinstance(content, str):
            await asyncio.to_thread(tmp.write_text, content, encoding="utf-8")
        else:
            await content(tmp)
        await asyncio.to_thread(os.replace, tmp, target)
    except (OSError, sqlite3.Error) as exc:
        await asyncio.to_thread(tmp.unlink, missing_ok=True)
        raise CliFailure(
            "cli_output_error.txt", reason="failed", path=target, detail=str(exc)
        ) from exc
    return target


def _temporary_beside(target: Path) -> str:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".ykien-", suffix=target.suffix)
    os.close(fd)
    return name
