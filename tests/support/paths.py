"""Where the tests' files lie: the repository root, the golden files, the fixture documents."""

from __future__ import annotations

from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent.parent
ROOT = TESTS_DIR.parent
GOLDEN_DIR = TESTS_DIR / "golden"
INGEST_FIXTURES = TESTS_DIR / "fixtures" / "ingest"
