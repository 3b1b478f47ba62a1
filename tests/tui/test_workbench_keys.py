"""Keys come from one source: the help screen, the command palette, user keymaps and settings."""

from __future__ import annotations

import asyncio

import pytest

from workbench_kit import SIZE
from planner_tui.core.errors import PlannerError
from planner_tui.keymap import ALL_BINDINGS, binding_ids
from planner_tui.settings import Settings, config_path, load_settings


def run(coro):
    return asyncio.run(coro)


def test_every_binding_has_an_id_and_a_description():
    for where, bindings in ALL_BINDINGS.items():
        for binding in bindings:
            if binding.system:
                continue
            assert binding.id and binding.description, (where, binding)
    assert len(binding_ids()) == sum(1 for group in ALL_BINDINGS.values() for b in group if b.id)


def test_help_lists_the_real_bindings_and_marks_those_active_now(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("f1")
            help_screen = pilot.app.screen
            assert type(help_screen).__name__ == "HelpScreen"
            groups = {g.title.split(" (")[0]: {r.binding_id: r for r in g.rows} for g in help_screen.groups}
            assert {"Everywhere", "Workbench", "Thread", "Composer", "Find box"} <= set(groups)
            commit = groups["Workbench"]["plan.commit"]
            assert commit.keys == ["^s"] and commit.active
            assert groups["Composer"]["composer.submit"].active  # the composer had focus
            assert not groups["Thread"]["thread.answer"].active
            assert groups["Workbench"]["topic.next"].keys == ["alt+→", "^→", "]"]
            await pilot.press("escape")
            assert pilot.app.screen is screen

    run(scenario())


def test_a_user_keymap_remaps_keys_and_help_shows_it(drive):
    async def scenario():
        app = drive.app(keymap={"topic.next": "f9", "plan.commit": "f5"})
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            first = screen.topic.id
            await pilot.press("alt+right")  # no longer bound
            assert screen.topic.id == first
            await pilot.press("f9")
            assert screen.topic.id != first
            await pilot.press("f5")
            await pilot.pause()
            assert any("Not ready to commit" in (n.title or "") for n in app._notifications)
            await pilot.press("f1")
            rows = {r.binding_id: r for g in app.screen.groups for r in g.rows}
            assert rows["topic.next"].keys == ["f9"]
            assert rows["plan.commit"].keys == ["f5"]

    run(scenario())


def test_command_palette_offers_the_bound_actions_and_runs_them(drive):
    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            titles = {c.title for c in app.get_system_commands(screen)}
            assert {"Commit", "Next topic", "Prev topic", "Confirm", "Find", "Help", "Add"} <= titles
            first = screen.topic.id
            await pilot.press("ctrl+p")
            await drive.until(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="palette")
            await pilot.press(*"Next topic")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await drive.until(pilot, lambda: screen.topic.id != first, what="palette ran next topic")

    run(scenario())


def test_settings_file_is_read_from_the_environment_path(tmp_path, monkeypatch):
    path = tmp_path / "planner.toml"
    path.write_text('theme = "nord"\nmarkdown_limit = 1000\n[keymap]\n"topic.next" = "f6"\n', encoding="utf-8")
    monkeypatch.setenv("PLANNER_TUI_CONFIG", str(path))
    assert config_path() == path
    settings = load_settings()
    assert (settings.theme, settings.markdown_limit, settings.keymap) == ("nord", 1000, {"topic.next": "f6"})


def test_a_settings_file_with_the_retired_full_markdown_limit_still_loads_and_drops_it(tmp_path, monkeypatch):
    path = tmp_path / "old.toml"
    path.write_text("full_markdown_limit = 2048\nmarkdown_limit = 5000\n", encoding="utf-8")
    monkeypatch.setenv("PLANNER_TUI_CONFIG", str(path))
    settings = load_settings()
    assert settings.markdown_limit == 5000 and "full_markdown_limit" not in settings.model_dump()
    assert not hasattr(settings, "full_markdown_limit")


def test_settings_default_path_is_under_xdg_config_home(isolated_environment):
    assert config_path() == isolated_environment / ".config" / "planner-tui" / "config.toml"
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("theme = ", "not valid TOML"),
        ('[keymap]\n"no.such.id" = "f6"\n', "unknown binding id 'no.such.id'"),
        ("markdown_limit = -1\n", "markdown_limit"),
        ("colour = 'red'\n", "colour"),
    ],
)
def test_a_bad_settings_file_is_one_sentence(tmp_path, monkeypatch, content, words):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("PLANNER_TUI_CONFIG", str(path))
    with pytest.raises(PlannerError) as caught:
        load_settings()
    message = str(caught.value)
    assert words in message and str(path) in message and "\n" not in message


def test_the_settings_theme_is_applied(drive):
    async def scenario():
        app = drive.app(theme="nord")
        async with app.run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            assert app.theme == "nord"

    run(scenario())


def test_settings_fields_are_documented():
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 20, name
