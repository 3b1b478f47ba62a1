"""The workbench saves every change in a thread: keys and frames go on meanwhile, order is kept, nothing is lost."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from workbench_kit import FIXED_NOW, SIZE

from planner_tui.core.storage.lock import LockFile
from planner_tui.core.models import Entry

TOPIC = "domain-data-model"


def run(coro) -> None:
    asyncio.run(coro)


def grow_session(drive, count: int) -> None:
    """Give the session `count` decisions spread over the topics, in one save (as an import would)."""
    seed(drive)
    agent = drive.planner()
    topics = [t.id for t in agent.role.topics]

    def fill(session) -> None:
        for n in range(count):
            state = session.topic(topics[n % len(topics)])
            text = f"Annotations keep their author id and photo id, decision {n}"
            state.entries.append(Entry(id=f"big-{n:06x}", kind="decision", text=text, at=FIXED_NOW + timedelta(seconds=n)))

    agent.store.mutate(fill)


def seed(drive) -> None:
    """A saved session (so its folder and lock can exist), with one note outside the topic tested."""
    drive.planner().add("observability", "note", "Log annotation changes with the photo id")


def session_lock(screen) -> LockFile:
    """The store's own lock on the session file, as another writer would hold it."""
    path = screen.planner.store.path
    return LockFile(path.with_name(path.name + ".lock"), timeout=5)


def saved_texts(drive, topic: str = TOPIC) -> list[str]:
    """The topic's entries as a fresh Planner reads them from the file."""
    return [e.text for e in drive.planner().session.topic(topic).entries]


def thread_texts(screen) -> list[str]:
    return [e.text for e in screen.thread.state.entries] if screen.thread.state else []


async def submit(pilot, screen, text: str) -> None:
    screen.composer.focus()
    screen.composer.insert(text)
    await pilot.press("enter")


def test_keys_and_frames_go_on_while_an_entry_is_saved(drive):
    """3,000 entries; the session file's lock is held by another writer, so the save of a new entry
    waits in its thread: the person types on, the keys reach the composer and frames are drawn
    before the save is done. Once the lock is released the entry is in the file and the thread."""
    grow_session(drive, 3000)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 10  # wait for the other writer, however slow the machine
            frames: list[int] = []
            compose = screen._compositor_refresh

            def counted() -> None:
                compose()
                frames.append(len(frames))

            screen._compositor_refresh = counted  # counts the frames composed for the terminal
            lock = session_lock(screen)
            lock.acquire()
            try:
                await submit(pilot, screen, "Originals are kept for seven years")
                await drive.until(pilot, lambda: screen.changes.running, what="save started")
                assert screen.composer.text == ""  # cleared at submit, as before
                before = len(frames)
                await pilot.press(*"next thought")
                await drive.until(pilot, lambda: len(frames) > before, what="a frame while saving")
                assert screen.composer.text == "next thought"
                assert screen.changes.running, "the save should still be waiting for the lock"
                assert "Originals are kept for seven years" not in saved_texts(drive)
                assert "Originals are kept for seven years" not in thread_texts(screen)  # shown once saved
            finally:
                lock.release()
            await drive.settle(pilot)
            assert saved_texts(drive)[-1] == "Originals are kept for seven years"
            assert thread_texts(screen)[-1] == "Originals are kept for seven years"
            assert screen.composer.text == "next thought"  # what was typed meanwhile stays
            assert not screen.planner.store.last_error

    run(scenario())


def test_two_entries_submitted_back_to_back_are_saved_in_order(drive):
    """The second entry is submitted while the first still waits for the lock: both are kept, in
    the order typed, one revision each, and the thread shows both."""
    seed(drive)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 10
            lock = session_lock(screen)
            lock.acquire()
            try:
                await submit(pilot, screen, "First: photos live on S3")
                await submit(pilot, screen, "Second: thumbnails in a queue")
                assert screen.composer.text == ""
                assert not screen.changes.idle
            finally:
                lock.release()
            await drive.settle(pilot)
            assert saved_texts(drive) == ["First: photos live on S3", "Second: thumbnails in a queue"]
            assert thread_texts(screen) == ["First: photos live on S3", "Second: thumbnails in a queue"]
            assert drive.planner().session.revision == screen.planner.session.revision

    run(scenario())


def test_a_save_refused_by_a_held_lock_puts_the_text_back_and_says_so(drive):
    """Another writer holds the lock beyond the store's timeout: the entry is not saved, its text
    goes back into the composer, the banner and a notice say who holds the lock. Once the lock is
    free, enter saves it and the banner goes."""
    seed(drive)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 0.3
            lock = session_lock(screen)
            lock.acquire()
            try:
                await submit(pilot, screen, "Annotations are plain text")
                await drive.settle(pilot)
            finally:
                lock.release()
            assert screen.composer.text == "Annotations are plain text"
            banner = screen.query_one("#trust-banner")
            assert banner.display and "locked by" in str(banner.render())
            assert any("locked by" in n.message for n in pilot.app._notifications)
            assert "Annotations are plain text" not in saved_texts(drive)
            screen.composer.focus()
            await pilot.press("enter")
            await drive.settle(pilot)
            assert saved_texts(drive)[-1] == "Annotations are plain text"
            assert not banner.display

    run(scenario())


def test_a_save_that_fails_while_the_person_types_on_keeps_both_texts(drive):
    """The save waits for the lock while the person types on; then the session folder goes away
    (moved by somebody), so the lock cannot be made: "Session NOT saved". The refused text comes
    back in front of what was typed since; with the folder back, enter saves both lines."""
    seed(drive)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 10
            folder = screen.planner.store.path.parent
            away = folder.with_name(folder.name + ".away")
            lock = session_lock(screen)
            lock.acquire()
            try:
                await submit(pilot, screen, "Thumbnails are made in a queue")
                await drive.until(pilot, lambda: screen.changes.running, what="save started")
                await pilot.press(*"more")
                assert screen.changes.running
                folder.rename(away)  # the waiting save now cannot create the lock at all
                await drive.settle(pilot)
            finally:
                if away.exists():
                    away.rename(folder)
                lock.release()
            assert screen.composer.text == "Thumbnails are made in a queue\nmore"
            banner = screen.query_one("#trust-banner")
            assert banner.display and "Session NOT saved" in str(banner.render())
            assert any("NOT saved" in n.message for n in pilot.app._notifications)
            screen.composer.focus()
            await pilot.press("enter")
            await drive.settle(pilot)
            assert saved_texts(drive)[-1] == "Thumbnails are made in a queue\nmore"
            assert not banner.display

    run(scenario())


def test_changes_still_queued_when_the_app_quits_are_saved(drive):
    """Two entries wait behind the lock when the person quits: both are in the file afterwards."""
    seed(drive)
    app = drive.app()

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 10
            lock = session_lock(screen)
            lock.acquire()
            await submit(pilot, screen, "Saved at quit, one")
            await submit(pilot, screen, "Saved at quit, two")
            await drive.until(pilot, lambda: screen.changes.running, what="save started")
            # Released by another thread: the app's own thread waits for the saves while it closes.
            threading.Timer(0.3, lock.release).start()
            app.exit()

    run(scenario())
    assert saved_texts(drive) == ["Saved at quit, one", "Saved at quit, two"]


def test_a_topic_move_during_a_save_is_shown_after_it_and_the_cursor_saved(drive):
    """alt+right while an entry is saved: the move waits for the save (the session is not read
    meanwhile), then shows the next topic; the cursor is saved too."""
    seed(drive)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            screen.planner.store.lock_timeout = 10
            first = screen.topic.id
            lock = session_lock(screen)
            lock.acquire()
            try:
                await submit(pilot, screen, "Written before moving on")
                await drive.until(pilot, lambda: screen.changes.running, what="save started")
                await pilot.press("alt+right")
                assert screen.topic.id != first
                assert screen.composer.topic_id == first  # not redrawn while the session is written
            finally:
                lock.release()
            await drive.settle(pilot)
            assert screen.composer.topic_id == screen.topic.id != first
            assert saved_texts(drive, first) == ["Written before moving on"]
            assert drive.planner().session.cursor_topic == screen.topic.id

    run(scenario())
