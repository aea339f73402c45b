"""Mounting the chat: importing it from any folder leaves that folder alone (Chainlit's app root is the chat
package's own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

SHOW_ROOT = "import web.chat.history, chainlit.config; print(chainlit.config.APP_ROOT)"


def test_importing_the_chat_elsewhere_makes_no_chainlit_folder_there(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINLIT_")}  # not the test session's root
    env["PYTHONPATH"] = str(ROOT)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ROOT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert list(tmp_path.iterdir()) == []  # no .chainlit/ config, no .files/
    assert Path(shown.stdout.strip()) == ROOT / "web" / "chat"
