"""One Jinja2 environment for every outgoing message; templates in handlers/views/templates/."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from handlers.views.labels import RESPONSE_CHANNELS

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def pct(value: float | None, digits: int = 1) -> str:
    """0.9123 -> '91,2%' (Vietnamese decimal comma); None -> '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%".replace(".", ",")


def vn_datetime(value: datetime | None, tz: ZoneInfo = VN) -> str:
    """A moment as people in Vietnam read it: 19:00 23/11/2026."""
    if value is None:
        return "—"
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def shorten(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Templates ship with the code: compiled once, never re-read (no stat() of the file for each
# message, a syscall that also hands the GIL to the database thread).
ENV = Environment(
    loader=PackageLoader("handlers.views"),
    auto_reload=False,
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
ENV.filters.update(pct=pct, vn_datetime=vn_datetime, shorten=shorten)
ENV.globals.update(channel_names=RESPONSE_CHANNELS)


@functools.cache
def _compiled(name: str) -> tuple[Template, dict[str, Any]]:
    """The template and its globals as one plain dict: Template.render copies its globals
    out of a ChainMap, key by key, for every message."""
    template = ENV.get_template(name)
    return template, dict(template.globals)


def render(name: str, **context: object) -> str:
    """Renders `name` (e.g. 'resident_welcome.html') and trims surrounding blank space."""
    template, globals_ = _compiled(name)
    # Template.render, without the globals copy: the context's own dict, globals beneath.
    variables = {**globals_, **context}
    try:
        return ENV.concat(
            template.root_render_func(template.new_context(variables, shared=True))
        ).strip()
    except Exception:
        ENV.handle_exception()
