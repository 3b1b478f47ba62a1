"""Group E: hostile text in files, titles and entries reaches the real workbench; nothing escapes to the terminal."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from planner_tui.core.engine import Planner
from workbench_kit import past_preparation

EPIC = "009_photo-annotations"
SIZE = (160, 48)

ESCAPES = [
    "OSC0\x1b]0;PWNED\x07",
    "OSC52\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "OSC8\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "CLR\x1b[2J",
    "DSR\x1b[6n",
    "RIS\x1bc",
    "CSI8\x9b31m",
    "DEL\x7f",
    "RLO\u202e",
    "OPEN\x1b]",
]
"""The catalogue's escape sequences, each behind a word so its own bytes can be searched for."""

PAYLOAD_BYTES = [
    b"\x1b]0;PWNED", b"\x1b]52;", b"\x1b]8;;http://evil", b"CLR\x1b[2J", b"DSR\x1b[6n", b"RIS\x1bc",
    b"\xc2\x9b31m", b"CSI8\x9b", b"OPEN\x1b]",
]
"""What must never reach a terminal: the payloads as bytes (U+009B as UTF-8 and as a raw C1 byte)."""

MARKUP = ["[/]", "[/items] end", "list[str]", "[bold red]x", "[@click=app.quit]x[/]", '[link="http://evil"]x[/link]']
TITLE = "Photo [/] [@click=app.quit]q[/] T\x1b]0;PWNED\x07 list[str]"
TOPIC = "Domain [/] and [@click=app.quit]q[/] boundaries (entities, relationships)."


def make_hostile(root: Path) -> None:
    """Put hostile text into the demo for real: epic title, task text, artifacts, a `[WIP]` folder, a topic name."""
    tasks = root / ".taskmaster" / "tasks" / "tasks.json"
    data = json.loads(tasks.read_text(encoding="utf-8"))
    for task in data["epics"]["tasks"]:
        if task["id"] == 9:
            task["title"] = f"EPIC: {TITLE}"
            task["description"] += "\n\nHostile: " + " ".join(ESCAPES + MARKUP) + "\n- WIP: ./[WIP]/x.md\n"
    tasks.write_text(json.dumps(data), encoding="utf-8")
    epic = root / ".task-master" / "epics" / EPIC
    body = "\n\n".join(ESCAPES + MARKUP)
    (epic / "01-discuss.md").write_text(f"# Discuss [/]\n\n{body}\n\nSee [wip](<[WIP]/x.md>).\n", encoding="utf-8")
    (epic / "02-idea.md").write_text("# Big idea\n\n" + ("filler [/x] line " * 8 + "\n") * 60 + body + "\n", encoding="utf-8")
    (epic / "diagrams" / "annotate-flow.mmd").write_text(
        "graph TD\n" + "\n".join(f"  A --> B %% {p}" for p in ESCAPES + MARKUP) + "\n", encoding="utf-8"
    )
    (epic / "[WIP]").mkdir()
    (epic / "[WIP]" / "x.md").write_text("# [WIP] file\n\n[@click=app.quit]x[/] CLR\x1b[2J end\n", encoding="utf-8")
    prompt = next((root / ".cursor" / "commands").rglob("*backend*.md"))
    text = prompt.read_text(encoding="utf-8")
    prompt.write_text(text.replace("Domain and data model boundaries (entities, relationships).", TOPIC, 1), encoding="utf-8")


@pytest.fixture
def hostile(demo_project: Path) -> Path:
    make_hostile(demo_project)
    return demo_project


def screen_text(app) -> str:
    """The plain text of every cell on screen, line by line (what a person reads)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app) -> str:
    """The text of the notifications on screen, as their Toast widgets render it."""
    from textual.widgets._toast import Toast

    return "\n".join(" ".join(str(t.render()).split()) for t in app.screen.query(Toast))


def terminal_output(app) -> str:
    """Exactly what the app would write to the terminal for a full repaint of the current screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


_OURS = re.compile(r"\x1b\[[0-9;]*[mHK]")
"""The only sequences a repaint may contain: colours (SGR), cursor moves and erase-in-line."""


def assert_terminal_clean(app, where: str) -> str:
    """No ESC but the renderer's own colour and cursor sequences, no C1 control, in a full repaint."""
    out = terminal_output(app)
    leftover = _OURS.sub("", out)
    assert "\x1b" not in leftover, f"{where}: an escape sequence from content: {leftover[leftover.index(chr(27)) - 20:][:60]!r}"
    c1 = [hex(ord(c)) for c in out if 0x80 <= ord(c) < 0xA0]
    assert not c1, f"{where}: C1 controls reach the terminal: {c1[:5]}"
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            assert "\x1b" not in segment.text and "\x9b" not in segment.text, f"{where}: {segment.text!r}"
    return out


async def until(pilot, predicate, timeout: float = 10.0, what: str = "condition") -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def to_workbench(pilot):
    screen = await past_preparation(pilot, until)
    await until(pilot, lambda: screen.artifact_pane.tree.artifacts and not screen.plan_pending, what="workbench ready")
    return screen


async def show(pilot, screen, path_part: str, mode: str | None = None) -> None:
    """Open the artifact whose path contains path_part and wait until its text is shown."""
    pane = screen.artifact_pane
    artifact = next(a for a in pane.tree.artifacts if path_part in a.path)
    pane.open(artifact)
    doc = pane.document
    await until(pilot, lambda: doc.artifact is artifact and doc.text and "reading…" not in str(doc.query_one("#doc-header").render()), what=path_part)
    if mode is not None:
        assert doc.mode == mode, (path_part, doc.mode)
    await pilot.pause(0.1)


async def add(pilot, screen, text: str, kind_key: str = "alt+n") -> None:
    screen.composer.focus()
    await pilot.pause()
    await pilot.press(kind_key)
    screen.composer.insert(text)
    await pilot.press("enter")
    await until(pilot, lambda: screen.changes.idle, what="change saved")  # saved in its thread
    await until(pilot, lambda: not screen.plan_pending, what="plan rendered")


# ---------------------------------------------------------------------------------------- E1


def test_E1_escape_sequences_in_files_titles_and_entries_never_reach_the_terminal(hostile):
    """OSC 0/52/8, `ESC[2J`, `ESC[6n`, `ESC c`, an unterminated OSC, C1 `\\x9b`, DEL, NUL and U+202E in the
    epic title, the task text, artifacts shown in each view (small and mid-size markdown, plain text) and in
    typed entries: every full repaint contains only the renderer's own colour and cursor sequences and no
    C1 byte; each control is shown as a visible symbol (`␛]0;PWNED␇`, `<U+009B>`), and the app keeps running."""
    from planner_tui.factory import make_app

    app = make_app(hostile, epic=EPIC, watch=False)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await to_workbench(pilot)
            text = screen_text(app)
            assert "T␛]0;PWNED␇ list[str]" in text  # the epic title in the top bar
            assert_terminal_clean(app, "start")
            for part, mode in (("task:", None), ("01-discuss.md", "markdown"), ("02-idea.md", "markdown"),
                               ("annotate-flow.mmd", "text"), ("[WIP]/x.md", "markdown")):
                await show(pilot, screen, part, mode)
                assert "␛" in screen.artifact_pane.document.text
                assert_terminal_clean(app, part)
            await show(pilot, screen, "01-discuss.md")
            shown = screen_text(app)
            assert "OSC0␛]0;PWNED␇" in shown and "CSI8<U+009B>31m" in shown
            for payload in ESCAPES + ["NUL\x00 end"]:
                await add(pilot, screen, payload)
            shown = screen_text(app)
            assert "CLR␛[2J" in shown and "NUL␀ end" in shown and "RLO<U+202E>" in shown
            assert_terminal_clean(app, "typed entries")
            assert app.return_code is None and app.is_running

    asyncio.run(scenario())
    texts = [e.text for t in Planner.open(hostile, epic=EPIC).session.topics for e in t.entries]
    assert texts[-1] == "NUL\x00 end"  # stored exactly as typed; only the display is made safe


def _pty_run(project: Path, child_env: dict[str, str], keys: list[tuple[bytes, float]]) -> bytes:
    """Run the real command under a pseudo-terminal, type keys with pauses, quit; the raw bytes it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - replaced by the app
        os.environ.clear()
        os.environ.update({**child_env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        os.execv(sys.executable, [sys.executable, "-m", "planner_tui", "--project", str(project), "--epic", EPIC])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    out = b""

    def drain(seconds: float) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return

    done = 0
    try:
        start = time.monotonic()
        while "Prior artifacts".encode() not in out and time.monotonic() - start < 20:
            drain(0.1)
        drain(3.0)
        for key, pause in keys:
            os.write(fd, key)
            drain(pause)
        os.write(fd, b"\x11")  # ctrl+q
        start = time.monotonic()
        while not done and time.monotonic() - start < 5:
            done, _ = os.waitpid(pid, os.WNOHANG)
            drain(0.05)
    finally:
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert done, "the workbench did not quit on ctrl+q"
    return out


@pytest.mark.slow
def test_E1_real_terminal_bytes_under_a_pty_carry_no_payload(hostile, child_env):
    """The real `python -m planner_tui` under a pseudo-terminal, on the hostile epic with hostile entries,
    walking down the artifact tree for a few seconds: the raw bytes it writes contain Textual's own
    sequences only, never the content's OSC 0 title, OSC 52 clipboard, OSC 8 link, `ESC[2J`, `ESC[6n`,
    `ESC c` or a C1 byte; the visible stand-ins (`␛]0;PWNED`) are there, and ctrl+q quits."""
    planner = Planner.open(hostile, epic=EPIC)
    planner.add(1, "note", "seed " + " ".join(ESCAPES + MARKUP))
    walk = [(b"\x1b", 0.4), (b"g", 0.4)] + [(b"\x1b[B", 0.3)] * 18
    out = _pty_run(hostile, child_env, walk)
    assert "␛]0;PWNED".encode() in out, "the hostile content was not on screen"
    for payload in PAYLOAD_BYTES:
        assert payload not in out, f"{payload!r} reached the terminal"


# ---------------------------------------------------------------------------------------- E2


@pytest.mark.slow
def test_E2_markup_in_every_widget_is_shown_literally_and_inert(hostile):
    """`[/]`, `[/items] end`, `list[str]`, `[bold red]x`, `[@click=app.quit]x[/]` and `[link=…]x[/link]` as
    epic title (top bar Static), topic name (topic bar, pane border), entries and a question (thread
    OptionList), a file path `[WIP]/x.md` (Tree label, document header), file text (Markdown view),
    notification text (toast), the drop prompt (Static in a modal) and the commit dialog (Label, Static):
    each shows the literal characters, nothing is dropped, nothing crashes, and clicking them does
    nothing. (The workbench has no Header, DataTable or Label with file text besides these; the Footer
    shows only the keymap's own words.)"""
    from planner_tui.factory import make_app
    from planner_tui.dialogs.commit import CommitDialog

    app = make_app(hostile, epic=EPIC, watch=False)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await to_workbench(pilot)
            top = str(screen.query_one("#top-bar").render())
            assert "Photo [/] [@click=app.quit]q[/] T␛]0;PWNED␇ list[str]" in top
            assert "Domain [/] and [@click=app.quit]q[/] boundaries" in str(screen.query_one("#topic-bar").render())
            assert "Discussion · 1. Domain [/] and [@click=app.quit]q[/]" in screen_text(app)  # the pane border
            for payload in MARKUP:
                await add(pilot, screen, payload)
            await add(pilot, screen, "Is [/items] still [@click=app.quit]x[/] open?", kind_key="alt+q")
            thread = "\n".join(str(o.prompt) for o in screen.thread.options)
            for payload in MARKUP + ["Is [/items] still [@click=app.quit]x[/] open?"]:
                assert payload in thread, payload
            await show(pilot, screen, "[WIP]/x.md", "markdown")
            assert "[WIP]/x.md" in str(screen.artifact_pane.document.query_one("#doc-header").render())
            tree_labels = [str(n.label) for n in screen.artifact_pane.tree._tree_nodes.values()]
            assert any("[WIP]/x.md" in label for label in tree_labels)
            shown = screen_text(app)
            assert "[@click=app.quit]x[/] CLR␛[2J end" in shown  # the markdown view
            # Click every line of the thread and the top bar: no action hidden in the text runs.
            for row in range(0, 12):
                await pilot.click("#thread", offset=(20, row))
            await pilot.click("#top-bar", offset=(60, 0))
            await pilot.click("#doc-md", offset=(4, 2))
            assert app.is_running and app.return_code is None
            # A toast carrying the entry text: flag the `[@click=…]` entry as a question.
            entry = next(e for e in screen.planner.session.topics[0].entries if e.text == "[@click=app.quit]x[/]")
            screen.thread.highlight_entry(entry.id)
            screen.thread.focus()
            await pilot.press("f")
            await until(pilot, lambda: "Flagged as open question: [@click=app.quit]x[/]" in toasts(app), what="toast")
            # The drop prompt shows the question's text in a modal.
            screen.thread.highlight_entry(entry.id)  # now an open question
            await pilot.press("x")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen", what="drop prompt")
            assert "[@click=app.quit]x[/]" in screen_text(app)
            await pilot.press("escape")
            app.push_screen(CommitDialog(screen.planner))
            await until(pilot, lambda: isinstance(app.screen, CommitDialog) and not app.screen.busy, what="commit dialog")
            dialog_text = screen_text(app)
            assert "Backend plan documented for Photo [/] [@click=app.quit]q[/] T" in dialog_text
            assert "[link=\"http://evil\"]x[/link]" in str(app.screen.query_one("#diff-text").render())
            assert_terminal_clean(app, "commit dialog")
            await pilot.press("escape")
            assert app.is_running and app.return_code is None

    asyncio.run(scenario())
    assert app.return_code in (0, None)


# ---------------------------------------------------------------------------------------- E3


@pytest.mark.slow
def test_E3_error_messages_with_brackets_are_shown_literally(demo_project, tmp_path):
    """Errors whose text holds brackets: the project lives in `[/b]proj [x]` (outside git), so the commit
    refusal names a bracketed path; a linked file `[bold]gone[/bold].md` is missing; entries `[/` and one
    ending in a backslash are flagged (toast). Each message is displayed literally and the app runs on."""
    from planner_tui.factory import make_app

    root = tmp_path / "[/b]proj [x]"
    shutil.copytree(demo_project, root)
    shutil.rmtree(root / ".git")
    discuss = root / ".task-master" / "epics" / EPIC / "01-discuss.md"
    discuss.write_text(discuss.read_text(encoding="utf-8") + "\nSee <[bold]gone[/bold].md>.\n", encoding="utf-8")
    planner = Planner.open(root, epic=EPIC)
    for index, topic in enumerate(planner.role.topics):
        planner.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        if index == 0:
            planner.add(topic.id, "risk", "Large photos may slow the first sync.")
        planner.confirm(topic.id)
    app = make_app(root, epic=EPIC, watch=False)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await to_workbench(pilot)
            tree_labels = " ".join(str(n.label) for n in screen.artifact_pane.tree._tree_nodes.values())
            assert "[bold]gone[/bold].md" in tree_labels
            await until(pilot, lambda: not screen.plan_pending, what="plan")
            screen.thread.focus()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: type(app.screen).__name__ == "CommitDialog" and not app.screen.busy, what="dialog")
            dialog = app.screen
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not dialog.busy and dialog.query_one("#error").display, timeout=15, what="refusal")
            error = str(dialog.query_one("#error").render())
            assert "Not committed: " in error and "[/b]proj [x] is not inside a git repository" in error
            assert_terminal_clean(app, "error")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, what="back")
            for text in ("[/", "ends with a backslash \\"):
                await add(pilot, screen, text)
                entry = screen.planner.session.topics[0].entries[-1]
                screen.thread.highlight_entry(entry.id)
                screen.thread.focus()
                await pilot.press("f")
                await until(pilot, lambda t=text: f"Flagged as open question: {t}" in toasts(app), what=text)
                screen.thread.highlight_entry(entry.id)
                await pilot.press("x")
                await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen", what="drop prompt")
                await pilot.press(*"obsolete", "enter")
                await until(pilot, lambda: app.screen is screen, what="back")
            assert app.is_running and app.return_code is None

    asyncio.run(scenario())
    assert (root / planner.plan_path).exists()  # written, not committed
