"""What every snapshot needs fixed besides the clock: entry ids."""

from __future__ import annotations

import itertools

import pytest


@pytest.fixture(autouse=True)
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry ids are random; blocker messages and dialogs show them, and entries written in the
    same second are ordered by id, so the pictures need them in the order they are written."""
    counter = itertools.count(1)
    monkeypatch.setattr("planner_tui.core.discussion.actions.new_id", lambda: f"e-{next(counter):06d}")
