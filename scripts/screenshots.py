"""Write SVG screenshots of the workbench's main states to screenshots/, through make_app.

Run: `.venv/bin/python scripts/screenshots.py [NAME ...]` (from the repository root; names redraw only those). Each state is built on a
fresh copy of the bundled demo project with a fixed clock, so the pictures only change when the
workbench does.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner_tui.core.discussion import actions  # noqa: E402
from planner_tui.core.models import Citation  # noqa: E402
from planner_tui.demo import make_demo  # noqa: E402
from planner_tui.factory import make_app  # noqa: E402
from planner_tui.settings import Settings  # noqa: E402

SIZE = (160, 48)
NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)

# Entries made in the same instant are ordered by id: numbered ids keep every picture the same
# from one run to the next (random ones would reorder such entries).
_IDS = itertools.count(1)
actions.new_id = lambda: f"e-{next(_IDS):06d}"
EPIC = "009_photo-annotations"
OUT = ROOT / "screenshots"


async def _until(pilot, predicate, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise RuntimeError("the workbench did not reach the expected state")


async def _workbench(pilot):
    app = pilot.app
    await _until(pilot, lambda: type(app.screen).__name__ in ("WorkbenchScreen", "PreparationScreen"))
    if type(app.screen).__name__ == "PreparationScreen":
        await pilot.press("escape")
    await _until(pilot, lambda: type(app.screen).__name__ == "WorkbenchScreen")
    screen = app.screen
    await _until(pilot, lambda: screen.artifact_pane.document.mode != "empty")
    await _settle(pilot)
    return screen


async def _settle(pilot) -> None:
    screen = pilot.app.screen
    await _until(pilot, lambda: not getattr(screen, "plan_pending", False))
    await pilot.pause()


async def _write(pilot, kind_key: str, text: str) -> None:
    screen = pilot.app.screen
    screen.composer.focus()
    await pilot.press(kind_key)
    screen.composer.insert(text)
    await pilot.press("enter")
    await _settle(pilot)


async def preparation(pilot) -> None:
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "PreparationScreen")
    await pilot.pause(0.3)


async def discussion(pilot) -> None:
    await _workbench(pilot)
    await _write(pilot, "alt+d", "Entities: Photo, Annotation, AnnotationRevision (04-prd.md)")
    await _write(pilot, "alt+q", "Keep every revision of an annotation?")
    await _write(pilot, "alt+d", "#1 Yes: a new revision per save, the last 20 kept")
    await _write(pilot, "alt+q", "Who may delete a photo that has annotations?")
    await pilot.press("escape")
    await _settle(pilot)


async def blocked(pilot) -> None:
    await discussion(pilot)
    await pilot.press("ctrl+s")
    await pilot.pause()


async def ready(pilot) -> None:
    screen = await _workbench(pilot)
    for index, topic in enumerate(screen.planner.role.topics):
        await _write(pilot, "alt+d", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        if index == 0:
            await _write(pilot, "alt+r", "Large photos may slow the first sync on poor connections.")
        await pilot.press("ctrl+o", "alt+right")
        await _settle(pilot)
    pilot.app.clear_notifications()
    await pilot.press("ctrl+s")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "CommitDialog")
    await _until(pilot, lambda: not pilot.app.screen.busy)
    await pilot.pause(0.2)


async def help_keys(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("f1")
    await pilot.pause()


async def find(pilot) -> None:
    screen = await _workbench(pilot)
    prd = next(a for a in screen.artifact_pane.tree.artifacts if a.path.endswith("04-prd.md"))
    screen.artifact_pane.open(prd)
    await _until(pilot, lambda: screen.artifact_pane.document.artifact.path == prd.path and screen.artifact_pane.document.text)
    await pilot.press("ctrl+f", *"original", "enter")
    await pilot.pause()


# ------------------------------------------------------------------ beyond one pass

PRD = f".task-master/epics/{EPIC}/04-prd.md"


def _agent(project: Path, epic: str = EPIC):
    from planner_tui.core.engine import Planner

    return Planner.open(project, epic=epic, clock=lambda: NOW, author="agent")


def _stale_setup(project: Path) -> None:
    agent = _agent(project)
    agent.add("domain-data-model", "decision", "Originals stay untouched", cite=Citation(path=PRD, line=4))
    agent.add("domain-data-model", "decision", "Annotations live in the table `photo_annotation`")
    prd = project / PRD
    prd.write_text(prd.read_text(encoding="utf-8") + "\n- Originals are kept for 7 years\n", encoding="utf-8")


async def stale(pilot) -> None:
    screen = await _workbench(pilot)
    await _until(pilot, lambda: len(screen.thread.marks) == 2)
    screen.composer.cite_line(Citation(path=PRD, line=12))
    await pilot.press("escape")
    screen.thread.highlight_entry(screen.planner.session.topics[0].entries[0].id)
    pilot.app.clear_notifications()
    await pilot.pause()


def _search_setup(project: Path) -> None:
    _agent(project).add("domain-data-model", "note", "The originals are never rewritten")


async def search(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("f3", *"originals")
    screen = pilot.app.screen
    await _until(pilot, lambda: not screen.pending)
    await pilot.pause()


def _questions_setup(project: Path) -> None:
    agent = _agent(project)
    for text in ("Keep every revision of an annotation?", "How are photo lists paginated?", "Who may delete a photo?"):
        agent.add("domain-data-model", "question", text)


async def batch(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("escape", "B")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "BatchAnswerScreen")
    await pilot.press(*"2: cursor pagination, 25 per page", "enter", *"3: only the uploader")
    await pilot.pause()


async def roles(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("f4")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "RolePicker" and pilot.app.screen.loaded)
    await pilot.pause()


async def revise(pilot) -> None:
    await _workbench(pilot)
    await _write(pilot, "alt+d", "Conflict copies are kept for 30 days, then pruned")
    pilot.app.clear_notifications()
    await pilot.press("ctrl+s")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "CommitDialog")
    await _until(pilot, lambda: not pilot.app.screen.busy)
    await pilot.pause(0.2)


def _question_setup(project: Path) -> None:
    agent = _agent(project)
    agent.add("domain-data-model", "decision", "Entities: Photo, Annotation")
    agent.add("domain-data-model", "question", "Keep every revision of an annotation?")


async def blockers_list(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("escape", "ctrl+s")
    await _settle(pilot)


async def maximized(pilot) -> None:
    await _workbench(pilot)
    await pilot.press("escape", "z")
    await _settle(pilot)


def _agent_at_the_table(project: Path) -> None:
    """What an agent leaves through `planner-tui mcp`: entries under its client's name, one citing the PRD."""
    agent = _agent(project)
    agent.author_name = "cursor-agent"  # the client's name from the MCP handshake, as the server sets it
    agent.add("domain-data-model", "decision", "Annotations are rows of their own, never written into the photo", cite=Citation(path=PRD, line=4))
    agent.add("domain-data-model", "question", "Keep every revision of an annotation?")
    agent.add("domain-data-model", "question", "May an annotation outlive its photo?")


async def agent_at_the_table(pilot) -> None:
    screen = await _workbench(pilot)
    await pilot.press(*"#1 Yes: a new revision per save", "enter")
    await _settle(pilot)
    await pilot.press("escape")
    screen.thread.highlight_entry(screen.planner.session.topic("domain-data-model").entries[0].id)
    await _settle(pilot)


def _on_question(key: str, dialog: str):
    async def scenario(pilot) -> None:
        screen = await _workbench(pilot)
        await pilot.press("escape")
        question = screen.planner.session.topic("domain-data-model").entries[-1]
        screen.thread.highlight_entry(question.id)
        await pilot.press(key)
        await _until(pilot, lambda: type(pilot.app.screen).__name__ == dialog)
        await pilot.pause(0.2)

    return scenario


STATES = {
    "01-preparation": preparation,
    "02-discussion": discussion,
    "03-commit-blocked": blocked,
    "04-commit-dialog": ready,
    "05-find-in-document": find,
    "06-help": help_keys,
    "07-search": (search, EPIC, _search_setup),
    "08-stale-and-contradiction": (stale, EPIC, _stale_setup),
    "09-batch-answers": (batch, EPIC, _questions_setup),
    "10-roles": (roles, EPIC, _search_setup),
    "11-revise-committed-plan": (revise, "004_offline-sync", None),
    # Every terminal size the workbench is checked at; the small dialogs at the smallest.
    **{
        f"{number}-{name}-{w}x{h}": (scenario, EPIC, _question_setup, (w, h))
        for number, name, scenario in (("12", "workbench", _workbench), ("13", "blockers-list", blockers_list), ("14", "maximized", maximized))
        for w, h in ((80, 24), (120, 40), (200, 50))
    },
    "15-remove-yes-no-80x24": (_on_question("delete", "ConfirmScreen"), EPIC, _question_setup, (80, 24)),
    "16-drop-reason-80x24": (_on_question("x", "PromptScreen"), EPIC, _question_setup, (80, 24)),
    "17-batch-answers-80x24": (_on_question("B", "BatchAnswerScreen"), EPIC, _question_setup, (80, 24)),
    "18-agent-at-the-table": (agent_at_the_table, EPIC, _agent_at_the_table),
}
"""name -> scenario, or (scenario, epic, setup run on the fresh project before the app starts[, size])."""


async def shoot(name: str, state, workdir: Path) -> Path:
    scenario, epic, setup, *sized = state if isinstance(state, tuple) else (state, EPIC, None)
    size = sized[0] if sized else SIZE
    project = make_demo(workdir / name, now=NOW.timestamp())
    if setup is not None:
        setup(project)
    app = make_app(project, epic=epic, settings=Settings(cursor_blink=False), clock=lambda: NOW, watch=False)
    async with app.run_test(size=size) as pilot:
        await scenario(pilot)
        path = app.save_screenshot(f"{name}.svg", str(OUT))
    return Path(path)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    # Our own HOME and git identity: nothing of the machine running this ends up in the pictures.
    with tempfile.TemporaryDirectory(prefix="planner-shots-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME="Ada Planner",
            GIT_AUTHOR_EMAIL="ada@example.test",
            GIT_COMMITTER_NAME="Ada Planner",
            GIT_COMMITTER_EMAIL="ada@example.test",
        )
        os.environ.pop("PLANNER_TUI_CONFIG", None)
        wanted = set(sys.argv[1:])  # names to redraw; none: all
        for name, scenario in STATES.items():
            if wanted and name not in wanted:
                continue
            path = asyncio.run(shoot(name, scenario, Path(tmp)))
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
