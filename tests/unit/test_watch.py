"""Tests for the file watcher, on real files in tmp_path with the watcher in a thread."""

from __future__ import annotations

import errno
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import watchfiles.main

from planner_tui.core.epic.watch import is_ignored, watch_paths, watch_roots

WAIT = 5.0  # upper bound for any single wait; the watcher normally answers in ~0.3 s


class Recorder:
    """Collects what the watcher reports; tests wait on it with a bounded timeout."""

    def __init__(self, read: Path | None = None) -> None:
        self.batches: list[set[Path]] = []
        self.contents: list[str | None] = []
        self.errors: list[str] = []
        self.read = read
        self.ready = threading.Event()
        self.cond = threading.Condition()

    def on_change(self, paths: set[Path]) -> None:
        # Read inside the callback, as the app would: the content seen must be the final one.
        text = None
        if self.read is not None:
            try:
                text = self.read.read_text()
            except FileNotFoundError:
                text = None
        with self.cond:
            self.batches.append(set(paths))
            self.contents.append(text)
            self.cond.notify_all()

    def on_error(self, message: str) -> None:
        with self.cond:
            self.errors.append(message)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def seen(self, path: Path) -> bool:
        return any(path in batch for batch in self.batches)


class Running:
    """A watcher thread with its stop event and recorder."""

    def __init__(self, paths: list[Path], recorder: Recorder, **kwargs: object) -> None:
        self.stop = threading.Event()
        self.recorder = recorder
        self.failure: list[BaseException] = []

        def run() -> None:
            try:
                watch_paths(
                    paths,
                    self.stop,
                    recorder.on_change,
                    on_error=recorder.on_error,
                    on_ready=recorder.ready.set,
                    **kwargs,  # type: ignore[arg-type]
                )
            except BaseException as exc:  # surfaced by the test, never lost in the thread
                self.failure.append(exc)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert recorder.ready.wait(WAIT), "the watcher never became ready"

    def close(self) -> float:
        started = time.monotonic()
        self.stop.set()
        self.thread.join(WAIT)
        return time.monotonic() - started


@pytest.fixture
def start() -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def _start(paths: list[Path], recorder: Recorder, **kwargs: object) -> Running:
        r = Running(paths, recorder, **kwargs)
        running.append(r)
        return r

    yield _start
    for r in running:
        r.close()
        assert not r.thread.is_alive()


def atomic_save(path: Path, text: str) -> None:
    """What editors and our own store do: write a temp file beside the target, then rename."""
    tmp = path.parent / f".{path.name}.{os.getpid():08x}.tmp"
    tmp.write_text(text)
    os.replace(tmp, path)


def test_atomic_save_is_detected(tmp_path: Path, start: Callable[..., Running]) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("v0")
    rec = Recorder(read=plan)
    start([plan], rec)
    atomic_save(plan, "v1")
    assert rec.wait_for(lambda: "v1" in rec.contents)
    assert rec.batches[-1] == {plan}


def test_ten_atomic_saves_each_detected(tmp_path: Path, start: Callable[..., Running]) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("v0")
    rec = Recorder(read=plan)
    start([plan], rec)
    for i in range(1, 11):
        atomic_save(plan, f"v{i}")
        assert rec.wait_for(lambda: f"v{i}" in rec.contents), f"save {i} was not seen"
        time.sleep(0.1)  # with the ~0.2 s detection, saves come about 0.3 s apart
    # One reload per save: a single-file watch would have gone deaf after the first one.
    assert rec.contents == [f"v{i}" for i in range(1, 11)]


def test_in_place_write_is_detected(tmp_path: Path, start: Callable[..., Running]) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("before")
    rec = Recorder(read=plan)
    start([plan], rec)
    with plan.open("a") as fh:
        fh.write(" and after")
    assert rec.wait_for(lambda: "before and after" in rec.contents)


def test_vim_style_save_is_one_change(tmp_path: Path, start: Callable[..., Running]) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("old")
    rec = Recorder(read=plan)
    start([plan], rec)
    os.rename(plan, tmp_path / "plan.md~")  # vim with backupcopy=no: move away, write anew
    plan.write_text("new")
    (tmp_path / "plan.md~").unlink()
    assert rec.wait_for(lambda: "new" in rec.contents)
    time.sleep(0.5)
    assert rec.contents == ["new"]


def test_burst_of_writes_coalesces_and_ends_on_final_content(tmp_path: Path, start: Callable[..., Running]) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("start")
    rec = Recorder(read=plan)
    start([plan], rec)
    began = time.monotonic()
    for i in range(200):
        plan.write_text(f"write {i}\n" * 20)
    assert time.monotonic() - began < 1.0
    final = "write 199\n" * 20
    assert rec.wait_for(lambda: final in rec.contents)
    time.sleep(0.5)  # nothing else may trickle in after the final content was delivered
    assert 1 <= len(rec.batches) <= 3, f"{len(rec.batches)} callbacks for one burst"
    assert rec.contents[-1] == final


def test_deleted_and_recreated_folder_is_still_watched(tmp_path: Path, start: Callable[..., Running]) -> None:
    epic = tmp_path / "epics" / "004_offline-sync"
    epic.mkdir(parents=True)
    (epic / "prd.md").write_text("first")
    rec = Recorder()
    start([epic], rec)
    (epic / "prd.md").write_text("second")
    assert rec.wait_for(lambda: rec.seen(epic / "prd.md"))

    shutil.rmtree(epic)
    assert rec.wait_for(lambda: rec.seen(epic))  # the folder itself vanished
    epic.mkdir()
    (epic / "stories").mkdir()
    (epic / "stories" / "s1.md").write_text("story")
    assert rec.wait_for(lambda: sum(1 for b in rec.batches if epic in b or epic / "stories" / "s1.md" in b) >= 2)

    # The new folder is watched for real, not only noticed once.
    time.sleep(0.3)
    count = len(rec.batches)
    (epic / "stories" / "s2.md").write_text("another story")
    assert rec.wait_for(lambda: rec.seen(epic / "stories" / "s2.md"))
    assert len(rec.batches) > count


def test_own_temp_lock_and_git_files_are_ignored(tmp_path: Path, start: Callable[..., Running]) -> None:
    folder = tmp_path / "epic"
    (folder / ".git").mkdir(parents=True)
    rec = Recorder()
    start([folder], rec)
    (folder / ".session.json.1a2b3c4d.tmp").write_text("{}")
    (folder / "session.lock").write_text("123@host")
    (folder / ".git" / "index.lock").write_text("")
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "notes.md.swp").write_text("")
    time.sleep(0.6)
    assert rec.batches == []
    (folder / "notes.md").write_text("real")
    assert rec.wait_for(lambda: bool(rec.batches))
    assert rec.batches == [{folder / "notes.md"}]


def test_a_watched_lock_file_itself_is_reported(tmp_path: Path, start: Callable[..., Running]) -> None:
    lock = tmp_path / "composer.lock"
    lock.write_text("{}")
    rec = Recorder()
    start([lock], rec)
    atomic_save(lock, '{"packages": []}')
    assert rec.wait_for(lambda: rec.seen(lock))


def test_stop_returns_within_a_second(tmp_path: Path) -> None:
    rec = Recorder()
    running = Running([tmp_path], rec)
    time.sleep(0.2)
    elapsed = running.close()
    assert not running.thread.is_alive()
    assert elapsed < 1.0
    assert running.failure == []


def test_missing_path_is_detected_once_created(tmp_path: Path, start: Callable[..., Running]) -> None:
    deep = tmp_path / "later" / "roles" / "03-backend.md"
    sibling_dir_file = tmp_path / "session.json"  # folder exists, file does not
    rec = Recorder()
    start([deep, sibling_dir_file], rec)
    sibling_dir_file.write_text("{}")
    assert rec.wait_for(lambda: rec.seen(sibling_dir_file))
    deep.parent.mkdir(parents=True)
    deep.write_text("# plan")
    assert rec.wait_for(lambda: rec.seen(deep))
    # Once it exists it is watched like any other file.
    time.sleep(0.3)
    count = sum(1 for b in rec.batches if deep in b)
    atomic_save(deep, "# plan v2")
    assert rec.wait_for(lambda: sum(1 for b in rec.batches if deep in b) > count)


def test_paths_are_reported_as_the_caller_spelled_them(tmp_path: Path, start: Callable[..., Running]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    rec = Recorder()
    start([link], rec)
    (real / "x.md").write_text("x")
    assert rec.wait_for(lambda: rec.seen(link / "x.md"))


def test_inotify_failure_falls_back_to_polling(tmp_path: Path, start: Callable[..., Running], monkeypatch: pytest.MonkeyPatch) -> None:
    real_notify = watchfiles.main.RustNotify
    modes: list[bool] = []

    def limited(paths: list[str], debug: bool, force_polling: bool, *rest: object) -> object:
        modes.append(force_polling)
        if not force_polling:  # what the kernel says when fs.inotify.max_user_watches is used up
            raise OSError(errno.ENOSPC, "OS file watch limit reached")
        return real_notify(paths, debug, force_polling, *rest)

    monkeypatch.setattr(watchfiles.main, "RustNotify", limited)
    plan = tmp_path / "plan.md"
    plan.write_text("v0")
    rec = Recorder(read=plan)
    start([plan], rec, force_polling=False)
    assert len(rec.errors) == 1 and "switched to polling" in rec.errors[0]
    assert "OS file watch limit reached" in rec.errors[0]
    atomic_save(plan, "v1")
    assert rec.wait_for(lambda: "v1" in rec.contents)
    assert modes[:2] == [False, True]


def test_force_polling_environment_is_honoured(tmp_path: Path, start: Callable[..., Running], monkeypatch: pytest.MonkeyPatch) -> None:
    real_notify = watchfiles.main.RustNotify
    modes: list[bool] = []

    def recording(paths: list[str], debug: bool, force_polling: bool, *rest: object) -> object:
        modes.append(force_polling)
        return real_notify(paths, debug, force_polling, *rest)

    monkeypatch.setattr(watchfiles.main, "RustNotify", recording)
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "1")
    plan = tmp_path / "plan.md"
    plan.write_text("v0")
    rec = Recorder(read=plan)
    start([plan], rec)
    atomic_save(plan, "v1")
    assert rec.wait_for(lambda: "v1" in rec.contents)
    assert modes and all(modes)
    assert rec.errors == []


def test_callback_errors_are_raised_not_swallowed(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("v0")
    rec = Recorder()

    def broken(paths: set[Path]) -> None:
        raise RuntimeError("handler bug")

    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            watch_paths([plan], stop, broken, on_error=rec.on_error, on_ready=rec.ready.set)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert rec.ready.wait(WAIT)
        atomic_save(plan, "v1")
        thread.join(WAIT)
        assert not thread.is_alive()
        assert len(failure) == 1 and str(failure[0]) == "handler bug"
        assert rec.errors == []  # a handler bug is not a watcher failure: no switch to polling
    finally:
        stop.set()


def test_is_ignored() -> None:
    assert is_ignored(Path(".session.json.1a2b3c4d.tmp"))
    assert is_ignored(Path("session.lock"))
    assert is_ignored(Path(".git/index"))
    assert is_ignored(Path("roles/.03-backend.md.swp"))
    assert is_ignored(Path("notes.md~"))
    assert is_ignored(Path("prd.md___jb_tmp___"))
    assert not is_ignored(Path("roles/03-backend.md"))
    assert not is_ignored(Path(".taskmaster/tasks/tasks.json"))


def test_watch_roots_use_folders_never_files(tmp_path: Path) -> None:
    epic = tmp_path / "epic"
    (epic / "roles").mkdir(parents=True)
    plan = epic / "roles" / "03-backend.md"
    plan.write_text("x")
    tasks = tmp_path / "tasks" / "tasks.json"
    assert watch_roots([plan]) == [epic / "roles"]
    assert watch_roots([epic, plan]) == [epic]  # nested roots collapse into the outer one
    assert watch_roots([tasks]) == []  # its folder is missing: polled, not watched from far above
