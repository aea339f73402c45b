"""The dependency rule, measured: the core (``mattran``) imports nothing of the repository above it.

Every module of the core is imported in a fresh interpreter, which must then hold no module of a door (``web``,
``cli``, ``evals``, ``scripts``) or of a higher layer (``compose``, ``agents``, ``tools``, ``ingest``,
``knowledge``); and the import contracts of ``pyproject.toml`` (``[tool.importlinter]``) must hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

ABOVE_THE_CORE = ("web", "cli", "evals", "scripts", "compose", "agents", "tools", "ingest", "knowledge")

# Imports every module of PACKAGE and prints the forbidden modules then in sys.modules, the import statements of
# PACKAGE's own modules that named a forbidden module (as they ran), and the modules that failed to import.
PROBE = """
import builtins, importlib, json, pkgutil, sys, traceback
package, forbidden = sys.argv[1], set(sys.argv[2].split(","))
importers, failed, original_import = {}, {}, builtins.__import__
def watching_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if level == 0 and name.split(".")[0] in forbidden and importer.split(".")[0] == package:
        importers.setdefault(importer, set()).add(name)
    return original_import(name, globals, locals, fromlist, level)
builtins.__import__ = watching_import
def import_one(name):
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=3)
import_one(package)
for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".", onerror=import_one):
    import_one(info.name)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in forbidden)
print(json.dumps({"loaded": loaded, "importers": {k: sorted(v) for k, v in sorted(importers.items())},
                  "failed": failed}))
"""


@dataclass(frozen=True)
class Probe:
    """What importing every module of a package did, in a fresh interpreter."""

    loaded: list[str]  # forbidden modules in sys.modules afterwards
    importers: dict[str, list[str]]  # the package's module -> the forbidden modules its import statements named
    failed: dict[str, str]  # module -> traceback


def probe(package: str, path: Path) -> Probe:
    """Import every module of ``package`` (found on ``path``) in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, package, ",".join(ABOVE_THE_CORE)],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return Probe(**json.loads(done.stdout.splitlines()[-1]))


def test_the_core_loads_no_door_and_no_higher_layer() -> None:
    core = probe("mattran", ROOT)
    assert not core.failed, f"modules of mattran that do not import: {core.failed}"
    assert not core.loaded, (
        f"importing mattran loaded {', '.join(core.loaded)}; the core's import statements that named them:\n"
        + "\n".join(f"  {module} -> {', '.join(names)}" for module, names in core.importers.items())
    )


def test_the_probe_blames_a_core_module_that_imports_a_door(tmp_path: Path) -> None:
    (tmp_path / "core" / "inner").mkdir(parents=True)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "__init__.py").write_text("")
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "core" / "clean.py").write_text("import json\n")
    (tmp_path / "core" / "inner" / "__init__.py").write_text("")
    (tmp_path / "core" / "inner" / "late.py").write_text("def door():\n    import web\n\ndoor()\n")
    assert probe("core", tmp_path) == Probe(loaded=["web"], importers={"core.inner.late": ["web"]}, failed={})


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (scripts/setup test installs it)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
