"""Pilot tests of the artifact pane, find-in-document, the plan pane and maximizing."""

from __future__ import annotations

import asyncio
import time

from textual.widgets import TextArea

from workbench_kit import DEMO_EPIC, SIZE, WIDE_SIZE
from planner_tui.widgets.artifacts.text_view import TextLines


def run(coro):
    return asyncio.run(coro)


def test_artifacts_are_grouped_as_a_person_thinks_of_them(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            tree = screen.artifact_pane.tree
            groups = [str(node.label).split("  ")[0] for node in tree.root.children]
            assert groups[:3] == ["Rules", "Epic task", "Planning documents"]
            assert "Earlier roles' plans" in groups
            rules = next(n for n in tree.root.children if str(n.label).startswith("Rules"))
            assert [str(c.label).split("  ")[0] for c in rules.children] == ["01-forbidden.md", "02-mcp.md", "03-pipeline.md"]
            # The epic task opens first, rendered as markdown.
            document = screen.artifact_pane.document
            assert document.artifact.group == "task" and document.mode == "markdown"

    run(scenario())


def test_missing_artifacts_are_shown_with_the_reason(drive):
    listed = drive.project / ".task-master" / "epics" / DEMO_EPIC / "07-gone.md"
    listed.write_text("# soon gone\n", encoding="utf-8")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            tree = screen.artifact_pane.tree
            artifact = next(a for a in tree.artifacts if a.path.endswith("07-gone.md"))
            listed.unlink()
            screen.artifact_pane.open(artifact)
            document = screen.artifact_pane.document
            await drive.until(pilot, lambda: document.mode == "empty" and "Nothing to show" in str(document.query_one("#doc-empty").render()), what="missing file shown")
            header = str(document.query_one("#doc-header").render())
            assert "07-gone.md" in header

    run(scenario())


def test_selecting_an_artifact_in_the_tree_shows_it(drive):
    async def scenario():
        async with drive.app().run_test(size=WIDE_SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "g")  # leave the composer, go to the artifact list
            tree = screen.artifact_pane.tree
            assert screen.focused is tree
            target = next(a for a in tree.artifacts if a.path.endswith("04-prd.md"))
            tree.select_path(target.path)
            document = screen.artifact_pane.document
            await drive.until(
                pilot,
                lambda: document.artifact.path == target.path and document.mode == "markdown" and "Product Requirements" in document.markdown_view.shown_text(),
                what="PRD shown",
            )

    run(scenario())


def test_find_in_document_jumps_from_match_to_match(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            document = screen.artifact_pane.document
            text = document.text
            word = "photo"
            assert text.lower().count(word) >= 2
            await pilot.press("ctrl+f")
            bar = document.query_one("#find")
            assert bar.display and screen.focused is bar
            await pilot.press(*word)
            area = document.query_one("#doc-text", TextLines)
            assert document.mode == "text"  # matches are highlighted in the text view
            assert area.selected_text.lower() == word
            first = area.selection
            await pilot.press("enter")
            assert area.selected_text.lower() == word and area.selection != first
            assert bar.border_subtitle.startswith("2 of ")
            await pilot.press("escape")
            assert not bar.display and document.mode == "markdown"

    run(scenario())


def test_find_with_no_match_says_so(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.thread.focus()
            await pilot.press("slash", *"zzqx")
            assert screen.artifact_pane.document.query_one("#find").border_subtitle == "no match"

    run(scenario())


def test_a_two_megabyte_file_opens_at_once_as_text(drive):
    big = drive.project / ".task-master" / "epics" / DEMO_EPIC / "07-big-log.md"
    line = "- sync event 0123456789 photo uploaded by technician, annotation saved\n"
    big.write_text("# Big\n" + line * (2_000_000 // len(line)), encoding="utf-8")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            artifact = next(a for a in screen.artifact_pane.tree.artifacts if a.path.endswith("07-big-log.md"))
            started = time.perf_counter()
            screen.artifact_pane.open(artifact)
            document = screen.artifact_pane.document
            await drive.until(pilot, lambda: document.mode == "text" and len(document.text) > 1_000_000, timeout=10, what="big file shown")
            elapsed = time.perf_counter() - started
            assert elapsed < 5, elapsed
            area = document.query_one("#doc-text", TextLines)
            assert area.document.line_count > 20_000
            # Still responsive: a key works at once.
            await pilot.press("alt+right")
            assert screen.topic.number == 2

    run(scenario())


def test_hostile_file_text_never_reaches_the_terminal_raw(drive):
    evil = drive.project / ".task-master" / "epics" / DEMO_EPIC / "07-evil.md"
    evil.write_text("# Evil\n\nclear \x1b[2J screen [/bold] [link=x]y\u202e\n", encoding="utf-8")
    raw = drive.project / ".task-master" / "epics" / DEMO_EPIC / "diagrams"
    raw.mkdir(exist_ok=True)
    (raw / "flow.mmd").write_text("graph TD\n  A[/x] --> B[bold]\n", encoding="utf-8")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            pane = screen.artifact_pane
            document = pane.document
            evil_artifact = next(a for a in pane.tree.artifacts if a.path.endswith("07-evil.md"))
            pane.open(evil_artifact)
            await drive.until(pilot, lambda: "Evil" in document.text, what="evil shown")
            assert document.mode == "markdown"
            await pilot.pause()
            shown = " ".join(document.markdown_view.shown_text().split())  # the rows drawn, unwrapped
            assert "\x1b" not in shown and "\u202e" not in shown
            assert "clear ␛[2J screen [/bold] [link=x]y<U+202E>" in shown
            mermaid = next((a for a in pane.tree.artifacts if a.path.endswith("/flow.mmd")), None)
            if mermaid is not None:
                pane.open(mermaid)
                await drive.until(pilot, lambda: "graph TD" in document.text, what="diagram shown")
                assert document.mode == "text"
                assert document.query_one("#doc-text", TextLines).text.startswith("graph TD")

    run(scenario())


def test_plan_preview_updates_only_the_section_that_changed(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            preview = screen.plan_pane.preview
            before = {s.heading: s for s in preview.sections}
            await drive.write(pilot, "Photo has many Annotations", kind_key="alt+d")
            assert preview.updated_sections == 1
            after = {s.heading: s for s in preview.sections}
            assert before == after  # the same widgets, not a rebuilt preview
            section = after["Domain & Data"]
            assert "Photo has many Annotations" in section.source
            assert section.has_class("-current")

    run(scenario())


def test_plan_scrolls_to_the_current_topics_section(drive):
    agent = drive.planner()
    for topic in agent.role.topics:
        for n in range(3):
            agent.add(topic.id, "decision", f"{topic.title} decision {n}")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            topics = screen.planner.role.topics
            observability = next(t for t in topics if t.section == "Observability")
            screen.navigation.go_to_topic(observability)
            await drive.settle(pilot)
            await pilot.pause()
            preview = screen.plan_pane.preview
            current = [s for s in preview.sections if s.has_class("-current")]
            assert [s.heading for s in current] == ["Observability"]
            assert preview.scroll_y > 0

    run(scenario())


def test_raw_toggle_shows_the_markdown_the_commit_writes(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            pane = screen.plan_pane
            assert not pane.raw
            await pilot.press("ctrl+t")
            assert pane.raw
            raw = pane.query_one("#plan-raw", TextArea)
            assert raw.text == screen.planner.render()
            await drive.write(pilot, "Photos on S3", kind_key="alt+d")
            assert raw.text == screen.planner.render() and "Photos on S3" in raw.text
            screen.thread.focus()
            await pilot.press("r")
            assert not pane.raw

    run(scenario())


def test_blockers_are_listed_above_the_plan(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            text = screen.plan_pane.blocker_list.text
            assert f"{len(screen.planner.blockers())} things block the commit" in text
            assert "Topic 1 of 10" in text

    run(scenario())


def test_maximize_toggles_the_focused_pane(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("f11")
            assert screen.maximized is screen.discussion
            await pilot.press("f11")
            assert screen.maximized is None
            screen.artifact_pane.tree.focus()
            await pilot.press("z")
            assert screen.maximized is screen.artifact_pane
            await pilot.press("escape")
            assert screen.maximized is None

    run(scenario())


def test_focus_keys_reach_each_pane(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")  # leave the composer
            assert screen.focused is screen.thread
            await pilot.press("p")
            assert screen.focused is screen.plan_pane.preview
            await pilot.press("g")
            assert screen.focused is screen.artifact_pane.tree
            await pilot.press("t")
            assert screen.focused is screen.thread
            await pilot.press("i")
            assert screen.focused is screen.composer

    run(scenario())


def test_watched_artifacts_reload_when_changed_on_disk(drive):
    async def scenario():
        async with drive.app(watch=True).run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, screen.watch_ready.is_set, what="watcher ready")
            pane = screen.artifact_pane
            prd = next(a for a in pane.tree.artifacts if a.path.endswith("04-prd.md"))
            pane.open(prd)
            await drive.until(pilot, lambda: "Product Requirements" in pane.document.text, what="PRD shown")
            path = drive.project / prd.path
            path.write_text(path.read_text(encoding="utf-8") + "\n## Added while open\n", encoding="utf-8")
            await drive.until(pilot, lambda: "Added while open" in pane.document.text, timeout=5, what="PRD reloaded")
            (drive.project / ".task-master" / "epics" / DEMO_EPIC / "07-late.md").write_text("# Late\n", encoding="utf-8")
            await drive.until(pilot, lambda: any(a.path.endswith("07-late.md") for a in pane.tree.artifacts), timeout=5, what="new file listed")
            assert pane.document.artifact.path == prd.path  # the reader stays where they were

    run(scenario())


def test_a_mid_sized_markdown_file_is_drawn_line_by_line_and_find_still_works(drive):
    mid = drive.project / ".task-master" / "epics" / DEMO_EPIC / "07-notes.md"
    body = "".join(f"## Visit {n}\n\n- technician took **{n}** photos, see `photos/{n}`\n\n" for n in range(600))
    mid.write_text("# Field notes\n\n" + body, encoding="utf-8")
    assert 4 * 1024 < len(body) < 64 * 1024

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            pane = screen.artifact_pane
            pane.open(next(a for a in pane.tree.artifacts if a.path.endswith("07-notes.md")))
            document = pane.document
            await drive.until(pilot, lambda: document.mode == "markdown" and document._loaded, what="markdown view")
            view = document.markdown_view
            await pilot.pause()
            # Only what is on screen was styled: a screenful of the 2,400 lines, not the document.
            assert view.line_count > 2400 and view.rendered_lines < 200
            document.focus_view()
            await pilot.press("end")
            await pilot.pause()
            shown = " ".join(view.shown_text().split())  # the rows drawn, unwrapped
            assert "• technician took 599 photos, see photos/599" in shown  # markers gone, styling on
            assert view.top_line() > 2300
            await pilot.press("home")
            assert view.top_line() == 1 and view.shown_text().startswith("Field notes")
            await pilot.press("ctrl+f", *"visit 599", "enter")
            area = document.query_one("#doc-text", TextLines)
            assert document.mode == "text" and area.selected_text == "Visit 599"
            await pilot.press("escape")
            assert document.mode == "markdown"
            await pilot.pause()
            assert "Visit 599" in view.shown_text()  # back in the rendered view, at the match

    run(scenario())
