"""The `agent_approval` setting: an agent's decision counts only once the person keeps it."""

from __future__ import annotations

import json

from mcp_kit import EPIC

from planner_tui.agent_server.seat import Seat
from planner_tui.cli.main import main
from planner_tui.core.engine import Planner
from planner_tui.core.plan.blocker_groups import grouped


def waiting_for_approval(blockers: list[dict]) -> list[str]:
    return [b["entry"] for b in blockers if b["kind"] == "approval"]


def test_an_agents_decision_blocks_until_the_person_keeps_it_and_again_after_the_agent_edits_it(demo_project, isolated_environment, capsys):
    config = isolated_environment / ".config" / "planner-tui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("agent_approval = true\n", encoding="utf-8")
    seat = Seat.open(demo_project, epic=EPIC)
    decided = seat.add("cursor-agent", "1", "decision", "Annotations belong to a photo", cite=None, section=None, question=None)
    noted = seat.add("cursor-agent", "1", "note", "Shapes are JSON", cite=None, section=None, question=None)
    status = seat.status()
    assert waiting_for_approval(status["blockers"]) == [decided["id"]]  # decisions only, not notes
    message = next(b["message"] for b in status["blockers"] if b["kind"] == "approval")
    assert message.startswith(f"Decision {decided['id']} by cursor-agent in topic 1, ") and "awaits your approval" in message
    assert noted["id"] not in message

    def cli(*args: str) -> int:
        code = main(["--project", str(demo_project), "--epic", EPIC, *args])
        capsys.readouterr()
        return code

    # The command line as an agent keeps the entry but cannot approve it; the person can.
    assert cli("reconfirm", decided["id"]) == 0
    assert waiting_for_approval(seat.status()["blockers"]) == [decided["id"]]
    assert cli("reconfirm", decided["id"], "--as", "person") == 0
    assert waiting_for_approval(seat.status()["blockers"]) == []
    # The agent rewrites what the person kept: it waits again, in the CLI's status as well.
    seat.edit("cursor-agent", decided["id"], "Annotations belong to a photo version")
    assert waiting_for_approval(seat.status()["blockers"]) == [decided["id"]]
    assert main(["--project", str(demo_project), "--epic", EPIC, "status", "--json"]) == 1
    assert waiting_for_approval(json.loads(capsys.readouterr().out)["blockers"]) == [decided["id"]]
    planner = Planner.open(demo_project, epic=EPIC)
    planner.require_approval = True
    assert ("Agent decisions to approve", [b for b in planner.blockers() if b.kind == "approval"]) in grouped(planner.blockers())


def test_without_the_setting_an_agents_decision_counts_at_once(demo_project):
    seat = Seat.open(demo_project, epic=EPIC)
    assert not seat.planner.require_approval
    seat.add("cursor-agent", "1", "decision", "Annotations belong to a photo", cite=None, section=None, question=None)
    assert waiting_for_approval(seat.status()["blockers"]) == []
