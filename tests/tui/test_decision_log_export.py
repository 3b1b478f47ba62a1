"""Pilot tests: E (or the command palette) writes the decision log under .planner-tui/exports/."""

from __future__ import annotations

import asyncio

from workbench_kit import DEMO_EPIC, SIZE
from planner_tui.core.models import Citation
from planner_tui.core.plan.decision_log import decision_log


def run(coro):
    return asyncio.run(coro)


def test_E_writes_the_decision_log_and_says_where(drive):
    agent = drive.planner()
    prd = f".task-master/epics/{DEMO_EPIC}/04-prd.md"
    question = agent.add("domain-data-model", "question", "Keep every revision?")
    agent.answer(question.id, "Yes, the last 20")
    agent.add("domain-data-model", "decision", "Originals stay untouched", cite=Citation(path=prd, line=4))
    target = drive.project / ".planner-tui" / "exports" / f"{DEMO_EPIC}-03-backend-decisions.md"

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await pilot.press("escape", "E")
            await drive.until(pilot, target.exists, what="log written")
            await drive.until(pilot, lambda: any(n.title == "Exported" for n in pilot.app._notifications), what="notice")
            said = next(n.message for n in pilot.app._notifications if n.title == "Exported")
            assert said == f"Decision log written to .planner-tui/exports/{DEMO_EPIC}-03-backend-decisions.md (2 decisions)."  # the answer is one

    run(scenario())
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Decision log — Photo Annotations (Backend)")
    assert "Originals stay untouched" in text and "04-prd.md:4" in text
    assert "Keep every revision?" in text and "Yes, the last 20" in text  # the question it settled


def test_a_flagged_decision_answered_comes_back_to_the_plan_with_its_question(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Annotations stored as JSON")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.thread.focus()
            screen.thread.highlight_entry(decision.id)
            await pilot.press("f")  # flagged: it leaves the plan
            await drive.settle(pilot)
            assert "Annotations stored as JSON" not in screen.plan_pane.text
            screen.thread.highlight_entry(decision.id)
            await pilot.press("a")
            screen.composer.insert("Yes, one JSON column per photo")
            await pilot.press("enter")
            await drive.settle(pilot)
            assert "Yes, one JSON column per photo (answers: Annotations stored as JSON)" in screen.plan_pane.text

    run(scenario())
    agent = drive.planner()
    log = decision_log(agent.role, agent.session)["decisions"]
    assert [d["text"] for d in log] == ["Yes, one JSON column per photo"]
    assert log[0]["settled"][0]["question"]["text"] == "Annotations stored as JSON"


def test_the_palette_exports_even_while_the_composer_has_focus(drive):
    drive.planner().add("domain-data-model", "decision", "Originals stay untouched")
    target = drive.project / ".planner-tui" / "exports" / f"{DEMO_EPIC}-03-backend-decisions.md"

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            assert screen.focused is screen.composer  # E would be typed here…
            command = next(c for c in pilot.app.get_system_commands(screen) if c.title == "Export decision log")
            assert "(E)" in command.help
            await command.callback()  # …the palette runs it all the same
            await drive.until(pilot, target.exists, what="log written")
            assert screen.composer.text == ""

    run(scenario())


def test_an_export_before_the_first_entry_keeps_the_state_folder_out_of_git(drive):
    state = drive.project / ".planner-tui"
    assert not state.exists()

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await pilot.press("escape", "E")
            await drive.until(pilot, lambda: any(n.title == "Exported" for n in pilot.app._notifications), what="notice")

    run(scenario())
    assert (state / ".gitignore").read_text(encoding="utf-8") == "*\n"
    text = (state / "exports" / f"{DEMO_EPIC}-03-backend-decisions.md").read_text(encoding="utf-8")
    assert "No decisions yet." in text
