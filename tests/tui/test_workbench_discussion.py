"""Pilot tests of the discussion: adding each kind, answering, dropping, flagging, confirming, topics."""

from __future__ import annotations

import asyncio

import pytest

from workbench_kit import SIZE


def run(coro):
    return asyncio.run(coro)


def entries(screen, topic_id: str | None = None):
    state = screen.planner.session.topic(topic_id or screen.topic.id)
    return list(state.entries) if state else []


@pytest.mark.parametrize(
    ("key", "kind"),
    [("alt+q", "question"), ("alt+d", "decision"), ("alt+n", "note"), ("alt+r", "risk")],
)
def test_each_kind_is_added_from_the_composer_and_saved(drive, key, kind):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press(key)
            await pilot.press(*"Photos live on S3")
            assert screen.composer.kind == kind
            assert kind.capitalize() in screen.composer.border_title
            await pilot.press("enter")
            await drive.settle(pilot)  # saved in the change thread
            [entry] = entries(screen)
            assert (entry.kind, entry.text, entry.author) == (kind, "Photos live on S3", "person")
            assert screen.composer.text == ""
            # Saved before the call returned: another reader sees it on disk.
            assert [e.text for e in drive.planner().session.topic(screen.topic.id).entries] == ["Photos live on S3"]
            # The plan preview shows it at once (questions do not land in the plan).
            if kind in ("decision", "risk", "note"):
                assert "Photos live on S3" in screen.plan_pane.text

    run(scenario())


def test_ctrl_g_cycles_the_kind_and_ctrl_j_makes_a_new_line(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            composer = screen.composer
            assert composer.kind == "decision"
            seen = []
            for _ in range(5):
                await pilot.press("ctrl+g")
                seen.append(composer.kind)
            assert seen == ["note", "risk", "question", "answer", "decision"]
            await pilot.press("a", "ctrl+j", "b")
            assert composer.text == "a\nb"
            await pilot.press("enter")
            await drive.settle(pilot)  # saved in the change thread
            assert entries(screen)[-1].text == "a\nb"

    run(scenario())


def test_empty_composer_adds_nothing(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("space", "enter")
            await pilot.pause()
            assert entries(screen) == []
            assert screen.planner.store.session is None  # nothing written for nothing typed

    run(scenario())


def test_answer_by_selection_with_a(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Keep annotation history?", kind_key="alt+q")
            await drive.write(pilot, "Who may delete a photo?", kind_key="alt+q")
            screen.thread.focus()
            await pilot.press("up")  # from #2 to #1
            assert screen.thread.selected_entry.text == "Keep annotation history?"
            await pilot.press("a")
            assert screen.focused is screen.composer
            assert "#1" in screen.composer.border_title
            await pilot.press(*"Yes, in revisions")
            await pilot.press("enter")
            await drive.settle(pilot)  # saved in the change thread
            question, other, answer = entries(screen)
            assert question.status == "answered" and question.answer_id == answer.id
            assert other.status == "open"
            assert (answer.kind, answer.text, answer.reply_to) == ("answer", "Yes, in revisions", question.id)
            assert screen.composer.target is None

    run(scenario())


@pytest.mark.parametrize("typed", ["#2 Only supervisors", "2: Only supervisors", "#2: Only supervisors"])
def test_answer_by_number_from_the_composer(drive, typed):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Keep annotation history?", kind_key="alt+q")
            await drive.write(pilot, "Who may delete a photo?", kind_key="alt+q")
            await drive.write(pilot, typed, kind_key="alt+d")
            first, second, answer = entries(screen)
            assert first.status == "open"
            assert second.status == "answered"
            assert (answer.kind, answer.text, answer.reply_to) == ("answer", "Only supervisors", second.id)

    run(scenario())


def test_answer_to_a_missing_number_is_refused_and_the_text_kept(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "#4 nobody asked", kind_key="alt+d")
            assert entries(screen) == []
            assert screen.composer.text == "#4 nobody asked"  # never lose what the person typed
            assert any("no question #4" in n.message for n in pilot.app._notifications)

    run(scenario())


def test_drop_asks_for_a_reason(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Support video notes?", kind_key="alt+q")
            screen.thread.focus()
            await pilot.press("x")
            await drive.until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptScreen", what="reason prompt")
            await pilot.press("enter")  # an empty reason is not accepted
            assert type(pilot.app.screen).__name__ == "PromptScreen"
            await pilot.press(*"out of scope", "enter")
            await drive.until(pilot, lambda: pilot.app.screen is screen, what="back on the workbench")
            await drive.settle(pilot)  # saved in the change thread
            [question] = entries(screen)
            assert (question.status, question.drop_reason) == ("dropped", "out of scope")

    run(scenario())


def test_drop_cancelled_with_escape_changes_nothing(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Support video notes?", kind_key="alt+q")
            screen.thread.focus()
            await pilot.press("x")
            await drive.until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptScreen", what="reason prompt")
            await pilot.press("escape")
            await drive.until(pilot, lambda: pilot.app.screen is screen, what="back on the workbench")
            assert entries(screen)[0].status == "open"

    run(scenario())


def test_flag_turns_an_entry_into_an_open_question(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Annotations are stored as JSON", kind_key="alt+n")
            screen.thread.focus()
            await pilot.press("f")
            await pilot.pause()
            [entry] = entries(screen)
            assert entry.is_open and entry.flagged_from == "note"
            assert screen.plan_pane.text.count("Annotations are stored as JSON") == 0 or entry.kind == "question"

    run(scenario())


def test_edit_loads_the_entry_and_saves_the_new_text(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Photos on S3", kind_key="alt+d")
            screen.thread.focus()
            await pilot.press("e")
            assert screen.composer.text == "Photos on S3"
            await pilot.press(*" and a CDN", "enter")
            await drive.settle(pilot)  # saved in the change thread
            [entry] = entries(screen)
            assert entry.text == "Photos on S3 and a CDN" and entry.edited_at is not None

    run(scenario())


def test_confirm_is_refused_while_questions_are_open_then_allowed(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Keep annotation history?", kind_key="alt+q")
            await pilot.press("ctrl+o")
            await pilot.pause()
            state = screen.planner.session.topic(screen.topic.id)
            assert not state.confirmed
            refusal = [n for n in pilot.app._notifications if n.severity == "error"]
            assert refusal and "open" in refusal[-1].message.lower()
            await drive.write(pilot, "#1 yes, entities Photo and Annotation with relationships", kind_key="alt+d")
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert screen.planner.session.topic(screen.topic.id).confirmed
            assert "✓ confirmed" in str(screen.query_one("#topic-bar").render())
            await pilot.press("ctrl+o")  # again: the confirmation is taken back
            await pilot.pause()
            assert not screen.planner.session.topic(screen.topic.id).confirmed

    run(scenario())


def test_topics_switch_with_keys_everywhere_they_should(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            topics = screen.planner.role.topics
            assert screen.topic.id == topics[0].id
            assert screen.focused is screen.composer
            await pilot.press("alt+right")
            assert screen.topic.id == topics[1].id
            await pilot.press("alt+left", "alt+left")
            assert screen.topic.id == topics[-1].id  # wraps around
            # While typing, ] and ctrl+right are the composer's; in the thread they switch topics.
            await pilot.press("]", "ctrl+right")
            assert screen.topic.id == topics[-1].id and screen.composer.text == "]"
            screen.thread.focus()
            await pilot.press("]")
            assert screen.topic.id == topics[0].id
            await pilot.press("ctrl+right", "ctrl+right", "[")
            assert screen.topic.id == topics[1].id
            assert "Topic 2 of 10" in str(screen.query_one("#topic-bar").render())

    run(scenario())


def test_reopening_resumes_on_the_last_topic(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Photos on S3", kind_key="alt+d")
            await pilot.press("alt+right", "alt+right")
            third = screen.topic.id
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            assert screen.topic.id == third

    run(scenario())


def test_points_checklist_follows_the_discussion(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            checklist = screen.query_one("#points")
            assert "☐ entities" in str(checklist.render()) and "☐ relationships" in str(checklist.render())
            await drive.write(pilot, "Entities: Photo, Annotation", kind_key="alt+d")
            text = str(checklist.render())
            assert "☑ entities" in text and "☐ relationships" in text

    run(scenario())


def test_hostile_entry_text_is_shown_as_text_never_markup(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "[/bold] [red]x\x1b[31m", kind_key="alt+d")
            [entry] = entries(screen)
            assert entry.text.startswith("[/bold]")
            line = str(screen.thread.get_option_at_index(0).prompt)
            assert "[/bold] [red]x␛[31m" in line

    run(scenario())


def test_a_burst_of_keys_then_enter_submits_all_of_it_in_order(drive):
    """Keys arriving faster than the app handles them (a fast typist, a terminal paste) must
    not submit half the text and lose the rest."""
    from textual import events

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            app = pilot.app
            for round_ in range(3):
                text = f"Burst {round_} (entities: Photo, Annotation)"
                for char in text:
                    app.post_message(events.Key(char if char.isalnum() else {" ": "space", "(": "left_parenthesis", ")": "right_parenthesis", ":": "colon", ",": "comma"}[char], char))
                app.post_message(events.Key("enter", "\r"))
            first = screen.topic.id
            app.post_message(events.Key("alt+right", None))  # right after the last enter
            await drive.until(pilot, lambda: len(entries(screen, first)) == 3, what="three entries")
            await pilot.pause()
            assert [e.text for e in entries(screen, first)] == [f"Burst {n} (entities: Photo, Annotation)" for n in range(3)]
            assert screen.composer.text == ""
            assert screen.topic.id != first

    run(scenario())
