"""The router registers each button prefix, pending step and /start payload kind once, and
whatever the adapter builds or the domain stores is registered there (issue 11)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from handlers.telegram import router
from handlers.views.registry import Registry
from handlers.zalo import router as zalo_router
from surveys import zalo_chat
from surveys.households import household_payload
from surveys.invitations import invite_payload
from surveys.residents import join_payload
from tests.conftest import snapshot

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM = ROOT / "handlers" / "telegram"


@pytest.mark.parametrize("names", [["f:", "f:"], "go"])
def test_a_name_registered_twice_is_refused_and_nothing_is_added(names) -> None:
    registry: Registry[str] = Registry("button prefix")
    registry.add("go", "first")
    with pytest.raises(ValueError, match="registered twice"):
        registry.add(["b:", *([names] if isinstance(names, str) else names)], "second")
    assert registry.names() == ["go"]


def _assigned(tree: ast.Module, name: str) -> list[ast.expr]:
    """The values a module assigns to `name`, plain or unpacked from a tuple."""
    values: list[ast.expr] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                values.append(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                values += [
                    v
                    for t, v in zip(target.elts, node.value.elts, strict=True)
                    if isinstance(t, ast.Name) and t.id == name
                ]
    return values


def _heads(tree: ast.Module, expr: ast.expr) -> list[str]:
    """The literal start of the callback data an expression makes ("r:k:" of f"r:k:{id}")."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.JoinedStr):
        first = expr.values[0]
        assert isinstance(first, ast.Constant), ast.unparse(expr)  # a prefix must be literal
        return [str(first.value)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _heads(tree, expr.left)  # prefix + value
    assert isinstance(expr, ast.Name), ast.unparse(expr)
    # A parameter (keyboards.value_rows' prefix) is seen where the caller passes it.
    return [head for value in _assigned(tree, expr.id) for head in _heads(tree, value)]


def built_prefixes() -> dict[str, set[str]]:
    """Every button the adapter's modules build (callback_data=..., or
    `keyboards.button(label, data)`), as the router's key of its data, with the modules
    building it."""
    found: dict[str, set[str]] = {}
    for path in sorted(TELEGRAM.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            data = [k.value for k in node.keywords if k.arg == "callback_data"]
            if isinstance(node.func, ast.Name) and node.func.id == "value_rows":
                data.append(node.args[1])
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "button":
                data.append(node.args[1])  # keyboards.button(label, data)
            for expr in data:
                for head in _heads(tree, expr):
                    found.setdefault(router.prefix_of(head), set()).add(path.stem)
    return found


def test_every_button_built_has_its_prefix_registered_and_every_prefix_is_built() -> None:
    built = built_prefixes()
    assert len(built) >= 15  # the walk sees the keyboards (a guard against a blind walk)
    assert sorted(set(built) - set(router.BUTTONS.names())) == []
    assert sorted(set(router.BUTTONS.names()) - set(built)) == []


def stored_states() -> set[str]:
    """Every pending-step state the domain names: the first argument of each ChatState(...)
    it builds, and its modules' *_STATE / STATES constants."""
    states: set[str] = set()
    for path in sorted((ROOT / "surveys").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = [
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            if isinstance(t, ast.Name) and t.id.endswith(("_STATE", "STATES"))
        ]
        made = [
            node.args[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "ChatState"
        ]
        values = [v for name in named for v in _assigned(tree, name)]
        values += [
            v
            for arg in made
            for v in ([arg] if isinstance(arg, ast.Constant) else _assigned(tree, arg.id))
            if isinstance(arg, ast.Constant | ast.Name)
        ]
        for value in values:
            items = value.elts if isinstance(value, ast.Tuple) else [value]
            states |= {i.value for i in items if isinstance(i, ast.Constant)}
    return states


def test_every_state_the_domain_stores_has_one_owner() -> None:
    states = stored_states()
    assert {"search_commune", "edit_comment", "bc_at", "sheet_code", "faq_reply"} <= states
    # Zalo's typed change of a button answer exists only on Zalo (no buttons left to edit by)
    zalo_only = {zalo_chat.EDIT_ANSWER}
    assert zalo_only <= states and zalo_only <= set(zalo_router.STEPS.names())
    assert sorted(states - zalo_only - set(router.STEPS.names())) == []
    assert sorted(set(router.STEPS.names()) - states) == []


def test_every_start_link_the_domain_makes_has_its_kind_registered() -> None:
    links = [join_payload("AbCdEfGh"), household_payload("ABCDEFGHJK"), invite_payload("x" * 22)]
    owners = [router.PAYLOADS.get(link[:1]) for link in links]
    assert None not in owners
    assert len(set(owners)) == len(links) == len(router.PAYLOADS.names())


def test_every_command_is_listed_once() -> None:
    names = [name for handler in router.COMMANDS for name in handler.commands]
    assert len(names) == len(set(names))
    assert {"start", "survey", "help", "cancel", "faq", "rounds", "summary"} <= set(names)


@pytest.mark.parametrize("data", ["zz:1", "go:1", "f", "gox", "P:1", "a"])
async def test_an_unknown_prefix_gets_the_invalid_button_popup(harness, data) -> None:
    lan = harness.user(1)
    await harness.send(lan, "/help")
    before = await snapshot(harness.services.db)
    popup = await harness.press_raw(lan, data)
    assert popup == "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
    assert await snapshot(harness.services.db) == before
