"""The body of a consultation message, checked as strictly as Zalo checks it.

Accepted: ``{"recipient": {"user_id"}, "message": {"text"}}``, the same with an
``attachment`` of ``type: "template"`` whose payload holds ``buttons``, or an image
(``template_type: "media"`` with one element naming an uploaded ``attachment_id``).
Any other attachment or template is something the sandbox does not fake: it fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.zalo_sandbox.errors import EXCEEDS_LIMIT, INVALID_PARAMS, ZaloError

if TYPE_CHECKING:
    from bot.zalo_sandbox.core import ZaloSandbox

MAX_TEXT = 2000
MAX_BUTTONS = 5  # [S]: Zalo's templates show at most five buttons
MAX_TITLE = 100  # [S]
MAX_PAYLOAD = 1000  # [S]
QUERY_TYPES = frozenset({"oa.query.hide", "oa.query.show"})
OPEN_TYPES = {"oa.open.url": "url", "oa.open.phone": "phone_code", "oa.open.sms": "phone_code"}


@dataclass(frozen=True)
class SendRequest:
    user_id: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    attachment_id: str | None = None


def _bad(detail: str) -> ZaloError:
    return ZaloError(INVALID_PARAMS, detail)


def parse_send(body: object, sandbox: ZaloSandbox) -> SendRequest:
    """The request, or the error Zalo would answer."""
    if not isinstance(body, dict):
        raise _bad("body must be a JSON object")
    recipient, message = body.get("recipient"), body.get("message")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("user_id"), str):
        raise _bad("recipient.user_id is required")
    if not isinstance(message, dict):
        raise _bad("message is required")
    unknown = sorted(set(message) - {"text", "attachment"})
    if unknown:
        raise sandbox.not_implemented(f"message fields {unknown}")
    text = message.get("text", "")
    if not isinstance(text, str):
        raise _bad("message.text must be a string")
    if len(text) > MAX_TEXT:
        raise ZaloError(EXCEEDS_LIMIT, f"message.text is longer than {MAX_TEXT} characters")
    attachment = message.get("attachment")
    if attachment is None:
        if not text.strip():
            raise _bad("message.text is empty")
        return SendRequest(recipient["user_id"], text)
    buttons, image = _attachment(attachment, sandbox)
    if buttons and not text.strip():
        raise _bad("a message with buttons needs a text")
    return SendRequest(recipient["user_id"], text, buttons, image)


def _attachment(
    attachment: object, sandbox: ZaloSandbox
) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        kind = attachment.get("type") if isinstance(attachment, dict) else type(attachment).__name__
        raise sandbox.not_implemented(f"attachment type {kind!r}")
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        raise _bad("attachment.payload is required")
    template = payload.get("template_type")
    if template == "media":
        return [], _image(payload, sandbox)
    if template is not None:
        raise sandbox.not_implemented(f"template_type {template!r}")
    buttons = payload.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise _bad("attachment.payload.buttons must be a non-empty list")
    if len(buttons) > MAX_BUTTONS:
        raise ZaloError(EXCEEDS_LIMIT, f"at most {MAX_BUTTONS} buttons")
    return [_button(b, sandbox) for b in buttons], None


def _button(button: object, sandbox: ZaloSandbox) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _bad("a button must be an object")
    title, kind, payload = button.get("title"), button.get("type"), button.get("payload")
    if not isinstance(title, str) or not 0 < len(title) <= MAX_TITLE:
        raise _bad(f"button title must be 1-{MAX_TITLE} characters")
    if kind in QUERY_TYPES:
        if not isinstance(payload, str) or not 0 < len(payload) <= MAX_PAYLOAD:
            raise _bad(f"{kind} payload must be a string of 1-{MAX_PAYLOAD} characters")
    elif kind in OPEN_TYPES:
        if not isinstance(payload, dict) or not isinstance(payload.get(OPEN_TYPES[kind]), str):
            raise _bad(f"{kind} payload needs {OPEN_TYPES[kind]}")
    else:
        raise sandbox.not_implemented(f"button type {kind!r}")
    return {"title": title, "type": kind, "payload": payload}


def _image(payload: dict[str, Any], sandbox: ZaloSandbox) -> str:
    elements = payload.get("elements")
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise _bad("a media template needs exactly one element")
    element = elements[0]
    if element.get("media_type") != "image":
        raise sandbox.not_implemented(f"media_type {element.get('media_type')!r}")
    attachment_id = element.get("attachment_id")
    if not isinstance(attachment_id, str) or attachment_id not in sandbox.uploads:
        raise _bad("attachment_id is not an uploaded image")
    return attachment_id
