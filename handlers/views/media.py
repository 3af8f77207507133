"""One view, rendered for the medium that carries it.

The message templates are written once, in Telegram's HTML (`<b>`, `<i>`, `<a href>`, `<code>`,
entities). Telegram gets them as they are; Zalo's text messages and the web pages show plain
text of at most 2,000 characters per message, so for them the markup is taken out (a link keeps
its address) and a long text is split at line ends into several messages.
"""

from __future__ import annotations

from enum import StrEnum
from html.parser import HTMLParser

from handlers.views.texts import render

PLAIN_LIMIT = 2000  # characters of one Zalo text message (and one web message)


class Medium(StrEnum):
    TELEGRAM = "telegram"  # HTML parse mode, one message as the template renders it
    ZALO = "zalo"  # plain text, parts of at most PLAIN_LIMIT characters
    WEB = "web"  # the same plain text, shown on the resident's web page


def render_for(medium: Medium, name: str, **context: object) -> list[str]:
    """The message `name` as the medium sends it: the parts, in order."""
    html = render(name, **context)
    if medium is Medium.TELEGRAM:
        return [html]
    return split(plain_text(html), PLAIN_LIMIT)


def plain_text(html: str) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded, a link's address kept."""
    parser = _Plain()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # &lt; &amp; &#34; ... become their characters
        self.out: list[str] = []
        self.links: list[tuple[str | None, int]] = []  # an open <a>: its href, where it began

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            if href and href != label:
                self.out.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def split(text: str, limit: int = PLAIN_LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at line ends; a line longer than a part is cut
    between words. Only a single word longer than a whole part (no space in `limit`
    characters) is cut inside it: there is nowhere else."""
    parts: list[str] = []
    lines: list[str] = []
    size = -1  # the length of "\n".join(lines)
    for line in text.split("\n"):
        for piece in _pieces(line, limit):
            if lines and size + 1 + len(piece) > limit:
                parts.append("\n".join(lines))
                lines, size = [], -1
            lines.append(piece)
            size += 1 + len(piece)
    parts.append("\n".join(lines))
    return [part.strip("\n") for part in parts if part.strip()]


def _pieces(line: str, limit: int) -> list[str]:
    """The line, or pieces of it of at most `limit` characters broken at spaces."""
    pieces: list[str] = []
    rest = line
    while len(rest) > limit:
        cut = rest.rfind(" ", 1, limit + 1)
        if cut <= 0:
            pieces.append(rest[:limit])
            rest = rest[limit:]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1 :]
    pieces.append(rest)
    return pieces
