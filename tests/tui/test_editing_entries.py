"""Editing entries: keys typed right after `e` are kept, an unchanged text is not an edit, $VISUAL/$EDITOR writes the text."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from workbench_kit import SIZE

from planner_tui.widgets.discussion.editor import EditorError, edit_in_editor, editor_command


def run(coro):
    return asyncio.run(coro)


def test_keys_typed_right_after_e_are_kept_and_saved_with_the_text(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Photos on S3")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            # A save still running when e is pressed: the entry's text is loaded only after it.
            add, release = screen.planner.add, threading.Event()

            def slow_add(*args, **kwargs):
                release.wait(5)
                return add(*args, **kwargs)

            screen.planner.add = slow_add
            screen.composer.insert("Thumbnails are 320 px wide")
            await pilot.press("enter", "escape")
            screen.thread.highlight_entry(decision.id)
            await pilot.press("e", "space", "e", "u", "-", "w", "e", "s", "t")  # typed while the save runs
            assert not screen.changes.idle  # the entry's text is not loaded yet
            release.set()
            await drive.settle(pilot)
            assert screen.composer.text == "Photos on S3 eu-west"
            await pilot.press("enter")
            await drive.settle(pilot)
            entry = screen.planner.session.find_entry(decision.id)[1]
            assert entry.text == "Photos on S3 eu-west" and entry.edited_at is not None

    run(scenario())


def test_an_entry_saved_unchanged_is_not_marked_edited(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Photos on S3")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")
            screen.thread.highlight_entry(decision.id)
            await pilot.press("e")
            await drive.settle(pilot)
            await pilot.press("enter")
            await drive.settle(pilot)
            assert screen.planner.session.find_entry(decision.id)[1].edited_at is None

    run(scenario())


@pytest.fixture
def editor(tmp_path: Path) -> list[str]:
    """A real editor process: a script that appends a line to the file it is given."""
    script = tmp_path / "fake-editor"
    script.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[-1], 'a').write('\\nsecond line from the editor\\n')\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return [str(script)]


def test_the_editor_gets_the_text_and_gives_it_back(editor):
    assert edit_in_editor("first line", editor) == "first line\nsecond line from the editor"
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("planner-tui-entry-*")]
    assert leftovers == []


def test_an_editor_that_fails_or_is_missing_says_so(tmp_path):
    with pytest.raises(EditorError, match="exited with status 1"):
        edit_in_editor("text", ["false"])
    with pytest.raises(EditorError, match="Could not run the editor"):
        edit_in_editor("text", [str(tmp_path / "no-such-editor")])


def test_visual_wins_over_editor_and_is_split_like_a_shell():
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "vi"}) == ["vi"]
    assert editor_command({"VISUAL": " ", "EDITOR": ""}) is None


def test_alt_e_without_a_terminal_to_hand_over_says_so(drive, monkeypatch, editor):
    monkeypatch.setenv("VISUAL", editor[0])

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.composer.insert("draft")
            await pilot.press("alt+e")
            await pilot.pause()
            assert screen.composer.text == "draft"  # kept as it was
            assert any("cannot hand the screen to an editor" in n.message for n in pilot.app._notifications)

    run(scenario())
