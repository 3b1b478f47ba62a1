"""Pilot tests: B answers several open questions of the topic at once, by their `#N` from the thread."""

from __future__ import annotations

import asyncio

from textual.widgets import TextArea

from workbench_kit import SIZE
from planner_tui.dialogs.batch_answer import BatchAnswerScreen


def run(coro):
    return asyncio.run(coro)


def open_questions(planner, topic: str) -> list[str]:
    state = planner.session.topic(topic)
    return [e.text for e in state.open_questions] if state else []


def test_B_lists_the_open_questions_and_answers_them_by_number(drive):
    agent = drive.planner()
    for text in ("Keep every revision?", "How are photo lists paginated?", "Who may delete a photo?"):
        agent.add("domain-data-model", "question", text)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "B")
            await drive.until(pilot, lambda: isinstance(pilot.app.screen, BatchAnswerScreen), what="batch dialog")
            dialog = pilot.app.screen
            listed = str(dialog.query_one("#batch-questions Static").render())
            assert listed.split("\n") == ["#1 Keep every revision?  · agent", "#2 How are photo lists paginated?  · agent", "#3 Who may delete a photo?  · agent"]
            assert dialog.focused is dialog.query_one("#batch-text", TextArea)
            await pilot.press(*"2: cursor pagination, 25 per page", "enter", *"3: only the uploader")
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: pilot.app.screen is screen, what="back on the workbench")
            await drive.settle(pilot)
            assert open_questions(screen.planner, "domain-data-model") == ["Keep every revision?"]
            answers = [e for e in screen.planner.session.topic("domain-data-model").entries if e.kind == "answer"]
            assert [a.text for a in answers] == ["cursor pagination, 25 per page", "only the uploader"]
            assert any("2 questions answered." == n.message for n in pilot.app._notifications)
        assert open_questions(drive.planner(), "domain-data-model") == ["Keep every revision?"]

    run(scenario())


def test_a_refused_batch_is_explained_in_the_dialog_and_nothing_is_answered(drive):
    agent = drive.planner()
    agent.add("domain-data-model", "question", "Keep every revision?")
    agent.add("domain-data-model", "question", "Who may delete a photo?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "B")
            await drive.until(pilot, lambda: isinstance(pilot.app.screen, BatchAnswerScreen), what="batch dialog")
            dialog = pilot.app.screen
            await pilot.press(*"1: yes, every save", "enter", *"3: nobody")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert pilot.app.screen is dialog
            assert "there is no question #3; nothing was answered (open questions: #1, #2)." in dialog.error
            assert len(open_questions(screen.planner, "domain-data-model")) == 2
            # Fixed in place, then saved.
            area = dialog.query_one("#batch-text", TextArea)
            area.load_text("1: yes, every save\n2: nobody")
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: pilot.app.screen is screen, what="saved")
            assert open_questions(screen.planner, "domain-data-model") == []

    run(scenario())


def test_B_without_open_questions_says_so_and_escape_cancels(drive):
    drive.planner().add("domain-data-model", "question", "Keep every revision?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "alt+right")
            await pilot.press("B")
            await pilot.pause()
            assert pilot.app.screen is screen
            assert any(n.message == "Topic 2 has no open questions." for n in pilot.app._notifications)
            await pilot.press("alt+left", "B")
            await drive.until(pilot, lambda: isinstance(pilot.app.screen, BatchAnswerScreen), what="batch dialog")
            await pilot.press(*"1: yes")
            await pilot.press("escape")
            assert pilot.app.screen is screen
            assert open_questions(screen.planner, "domain-data-model") == ["Keep every revision?"]

    run(scenario())


def test_B_shows_the_thread_numbers_so_an_answered_question_does_not_shift_the_rest(drive):
    agent = drive.planner()
    first = agent.add("domain-data-model", "question", "Keep every revision?")
    for text in ("How are photo lists paginated?", "Who may delete a photo?"):
        agent.add("domain-data-model", "question", text)
    agent.answer(first.id, "yes, every save")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "B")
            await drive.until(pilot, lambda: isinstance(pilot.app.screen, BatchAnswerScreen), what="batch dialog")
            dialog = pilot.app.screen
            listed = str(dialog.query_one("#batch-questions Static").render())
            assert listed.split("\n") == ["#2 How are photo lists paginated?  · agent", "#3 Who may delete a photo?  · agent"]
            assert dialog.query_one("#batch-text", TextArea).placeholder == "#2 …\n#3 …"
            await pilot.press(*"#3 only the uploader")
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: pilot.app.screen is screen, what="saved")
            assert open_questions(screen.planner, "domain-data-model") == ["How are photo lists paginated?"]

    run(scenario())
