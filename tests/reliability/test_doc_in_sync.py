"""docs/reliability.md is generated from this suite; this fails while it is stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("reliability_doc", ROOT / "scripts" / "reliability_doc.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_reliability_doc_matches_the_tests():
    """docs/reliability.md equals what scripts/reliability_doc.py generates from tests/reliability/."""
    expected = _script().generate()
    current = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert current == expected, "docs/reliability.md is stale: run python scripts/reliability_doc.py"


def test_every_reliability_test_names_a_case_and_says_what_the_product_does():
    """Every `test_<ID>_…` in the suite names a catalogue id and has a docstring for the document."""
    cases = _script().collect()
    assert cases
    assert [c.name for c in cases if not c.doc] == []
