"""A changed 01-forbidden.md reaches the rule checks without a restart."""

from __future__ import annotations

from pathlib import Path

from planner_tui.core.engine import Planner
from planner_tui.demo import make_demo
from tests.workbench_kit import DEMO_EPIC

RULES = ".cursor/commands/01-forbidden.md"
ESTIMATE_RULE = "- ❌ Never state **time estimates** of any kind (hours, days, story points, sprints).\n"


REWORDED = "- ❌ No **time estimate** may appear in a plan, not even a rough one.\n"


def _estimate_rule(planner: Planner) -> str | None:
    """The rule text the time-estimate blocker quotes (the checks themselves always run)."""
    return next((b.rule for b in planner.blockers() if b.kind == "rule" and "estimate" in b.message), None)


def test_a_reworded_rule_is_quoted_by_the_checks_without_a_restart(tmp_path: Path) -> None:
    project = make_demo(tmp_path / "proj", git=False)
    planner = Planner.open(project, epic=DEMO_EPIC)
    topic = planner.role.topics[0].id
    planner.add(topic, "decision", "The sync endpoint ships after about 3 days of work.")
    assert "time estimates" in (_estimate_rule(planner) or "")

    rules = project / RULES
    original = rules.read_text(encoding="utf-8")
    assert ESTIMATE_RULE in original
    rules.write_text(original.replace(ESTIMATE_RULE, REWORDED), encoding="utf-8")
    assert "not even a rough one" not in (_estimate_rule(planner) or "")  # read at start
    assert planner.project.reload_rules() is True
    assert "not even a rough one" in (_estimate_rule(planner) or "")
    assert planner.project.reload_rules() is False  # nothing changed since

    rules.write_text(original, encoding="utf-8")
    assert planner.project.reload_rules() is True
    assert "time estimates" in (_estimate_rule(planner) or "")


def test_an_unreadable_or_broken_rules_file_keeps_the_last_good_rules(tmp_path: Path) -> None:
    project = make_demo(tmp_path / "proj", git=False)
    planner = Planner.open(project, epic=DEMO_EPIC)
    before = planner.project.rules
    rules = project / RULES

    rules.unlink()
    assert planner.project.reload_rules() is False
    assert planner.project.rules is before
    assert any("could not be read" in note and "still apply" in note for note in planner.project.notes)

    rules.write_bytes(b"\x00\x01 not a rules file")
    assert planner.project.reload_rules() is False
    assert planner.project.rules is before
