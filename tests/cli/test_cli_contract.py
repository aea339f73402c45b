"""The ``mattran`` command tree, pinned: every subcommand (nested too) with its arguments and options, read from the
Typer app (names, flags, required, defaults, bounds; not help texts) and compared with
``tests/golden/cli_commands.json``. A subcommand or option removed or renamed fails here.

After a deliberate change to the command line, rewrite the golden file with ``MATTRAN_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from cli.main import app
from tests.support.paths import GOLDEN_DIR

GOLDEN = GOLDEN_DIR / "cli_commands.json"


def _default(param: Any) -> Any:
    """The default as the user sees it (paths as text); none for a computed one."""
    value = param.default
    if callable(value):
        return "<computed>"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value


def _param(param: Any) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": param.name,
        "kind": param.param_type_name,
        "opts": list(param.opts),
        "secondary_opts": list(param.secondary_opts),
        "required": param.required,
        "default": _default(param),
        "nargs": param.nargs,
        "multiple": param.multiple,
    }
    if param.param_type_name == "option":
        described |= {"is_flag": param.is_flag, "hidden": param.hidden, "min": param.min, "max": param.max}
    return described


def command_tree(command: Any) -> dict[str, Any]:
    """One command (Typer's click command) and, for a group, its subcommands (sorted by name)."""
    tree: dict[str, Any] = {"params": [_param(p) for p in command.params if p.name != "help"]}
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        tree["commands"] = {name: command_tree(sub) for name, sub in sorted(subcommands.items())}
    return tree


def test_the_command_tree_keeps_every_subcommand_and_option() -> None:
    tree = command_tree(typer.main.get_command(app))
    if os.environ.get("MATTRAN_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(tree, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(tree["commands"]) >= {"up", "chat", "search", "eval", "apikey", "members", "db", "units"}
    assert tree == golden
