"""A keymap that gives one key to two bindings, or an unknown theme, is said at start and by `check`."""

from __future__ import annotations

import asyncio

from workbench_kit import DEMO_EPIC, SIZE

from planner_tui.cli.main import main
from planner_tui.keymap import keymap_conflicts, settings_problems

README_EXAMPLE = {"plan.commit": "ctrl+s,f10", "topic.next": "alt+n"}


def test_the_readme_example_clashes_with_the_composers_note_key():
    assert keymap_conflicts(README_EXAMPLE) == ["alt+n is both composer.note and topic.next; in the composer it does composer.note only"]
    assert keymap_conflicts({"plan.commit": "ctrl+s,f10"}) == []  # f10 is free everywhere
    assert keymap_conflicts({}) == []  # the shipped keys never clash
    assert settings_problems({}, "gruvbox") == []
    assert settings_problems({}, "no-such-theme")[0].startswith("unknown theme 'no-such-theme'")


def test_the_workbench_says_so_at_start(drive):
    async def scenario():
        app = drive.app(keymap=README_EXAMPLE, theme="no-such-theme")
        async with app.run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            said = next(n.message for n in pilot.app._notifications if n.title == "Settings")
            assert "alt+n is both composer.note and topic.next" in said and "unknown theme 'no-such-theme'" in said

    asyncio.run(scenario())


def test_check_names_them_and_exits_1(drive, tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    config.write_text('theme = "gruvbox"\n\n[keymap]\n"topic.next" = "alt+n"\n', encoding="utf-8")
    monkeypatch.setenv("PLANNER_TUI_CONFIG", str(config))
    code = main(["--project", str(drive.project), "--epic", DEMO_EPIC, "check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Settings: keymap: alt+n is both composer.note and topic.next; in the composer it does composer.note only" in out
