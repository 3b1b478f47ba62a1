"""The keyboard model: a key is text in the composer and a command elsewhere, and the screen says which."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE

from planner_tui.widgets.footer import QuietFooter


def run(coro):
    return asyncio.run(coro)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def mode(screen) -> str:
    """The first word the footer shows (its mode label)."""
    return str(screen.query_one(QuietFooter).render()).split()[0]


def test_the_footer_and_the_composer_border_show_the_mode(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            assert screen.focused is screen.composer
            assert mode(screen) == "TYPING" and screen.composer.border_subtitle.startswith("TYPING")
            await pilot.press("g")  # text, not "go to the artifacts"
            assert screen.composer.text == "g" and screen.focused is screen.composer
            await pilot.press("backspace", "escape")
            await pilot.pause()
            assert screen.focused is screen.thread
            assert mode(screen) == "COMMANDS" and screen.composer.border_subtitle.startswith("COMMANDS")
            await pilot.press("i")
            await pilot.pause()
            assert screen.focused is screen.composer and mode(screen) == "TYPING"

    run(scenario())


def test_a_letter_with_no_meaning_says_so(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Annotations stored as JSON")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")
            screen.thread.highlight_entry(decision.id)
            await pilot.press("w")
            await pilot.pause()
            assert notes(pilot.app)[-1].startswith("`w` is not a key here: nothing was typed.")
            await pilot.press("a")  # answers questions only: the selected entry is a decision
            await pilot.pause()
            assert notes(pilot.app)[-1].startswith("`a` does not apply here (Answer the selected open question)")
            assert screen.composer.text == "" and screen.focused is screen.thread

    run(scenario())


def test_the_edit_box_says_enter_saves(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Annotations stored as JSON")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")
            screen.thread.highlight_entry(decision.id)
            await pilot.press("e")
            await drive.settle(pilot)
            assert screen.focused is screen.composer
            assert screen.composer.border_subtitle.startswith("TYPING · enter save")

    run(scenario())


def test_remove_asks_yes_or_no_and_the_dialog_shows_its_own_keys(drive):
    decision = drive.planner().add("domain-data-model", "decision", "Annotations stored as JSON")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")
            screen.thread.highlight_entry(decision.id)
            await pilot.press("delete")
            await drive.settle(pilot)
            dialog = pilot.app.screen
            assert type(dialog).__name__ == "ConfirmScreen"
            footer = [b.description for (_n, b, _e, _t) in dialog.active_bindings.values() if b.show]
            assert "Yes" in footer and "No" in footer and "Commit" not in footer
            await pilot.press("n")  # kept
            await drive.settle(pilot)
            assert screen.planner.session.find_entry(decision.id) is not None
            await pilot.press("delete")
            await drive.settle(pilot)
            await pilot.press("y")
            await drive.settle(pilot)
            assert screen.planner.session.find_entry(decision.id) is None

    run(scenario())


def test_every_dialog_shows_its_own_keys_in_the_footer(drive):
    agent = drive.planner()
    question = agent.add("domain-data-model", "question", "Keep every revision?")

    def footer(app) -> list[str]:
        found = app.screen.query(QuietFooter)
        assert len(found) == 1, type(app.screen).__name__  # its own footer, over the workbench's
        return [b.description for (_n, b, _e, _t) in app.screen.active_bindings.values() if b.show]

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")
            for keys, name, expected in (
                (("B",), "BatchAnswerScreen", "Answer them"),
                (("f3",), "SearchScreen", "Close"),
                (("f4",), "RolePicker", "Cancel"),
                (("x",), "PromptScreen", "OK"),
                (("f1",), "HelpScreen", "Close"),
            ):
                screen.thread.focus()
                screen.thread.highlight_entry(question.id)
                await pilot.press(*keys)
                await drive.until(pilot, lambda: type(pilot.app.screen).__name__ == name, what=name)
                shown = footer(pilot.app)
                assert expected in shown and "Commit" not in shown, (name, shown)
                await pilot.press("escape")
                await drive.until(pilot, lambda: pilot.app.screen is screen, what="back")

    run(scenario())


def test_the_palette_has_one_entry_per_action_with_its_description(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            commands = list(pilot.app.get_system_commands(screen))
            titles = [c.title for c in commands]
            assert "Keys" not in titles and "Help" in titles  # F1 lists every key; Textual's panel is not offered
            assert len(titles) == len(set(titles))
            for command in commands:
                assert not command.help.startswith(command.title + " ("), command  # never "Answer — Answer (alt+a)"
            answer = next(c for c in commands if c.title == "Answer")
            assert "(alt+a)" in answer.help or "(a)" in answer.help

    run(scenario())
