"""The session file under concurrent writers, kills and locks; backups, refresh and orphans."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from session_support import EPIC, ROLE, add, store, texts

from planner_tui.core.discussion import actions
from planner_tui.core.errors import SessionCorrupt, SessionLocked
from planner_tui.core.storage.lock import LockFile
from planner_tui.core.storage.migrate import encode_session

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ concurrent writers


def test_two_stores_interleaving_keep_both_entries(tmp_path):
    a, b = store(tmp_path), store(tmp_path)
    add(a, "from A")
    b.load()
    add(a, "A again")
    add(b, "from B")  # B's copy is stale: it must re-read under the lock, not overwrite
    add(a, "A third")
    final = store(tmp_path)
    final.load()
    assert texts(final) == ["from A", "A again", "from B", "A third"]
    assert final.session.revision == 4
    assert b.refresh() is True and texts(b) == texts(final)
    assert b.refresh() is False


CHILD = r"""
import sys
from pathlib import Path
from planner_tui.core.discussion import actions
from planner_tui.core.models import RoleSpec, utcnow
from planner_tui.core.storage.store import SessionStore
role = RoleSpec.model_validate_json(Path(sys.argv[1]).read_text())
st = SessionStore(Path(sys.argv[2]), sys.argv[3], role.key, lock_timeout=20)
for i in range(50):
    st.mutate(lambda s: actions.add_entry(s, role, 1 + i % 3, "note", f"{sys.argv[4]}-{i}", now=utcnow()),
              create=lambda: actions.new_session(role, sys.argv[3], utcnow()))
"""


def test_two_processes_add_fifty_each(tmp_path):
    role_file = tmp_path / "role.json"
    role_file.write_text(ROLE.model_dump_json())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(role_file), str(tmp_path), EPIC, name], env=env,
                         stderr=subprocess.PIPE)
        for name in ("left", "right")
    ]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err.decode()
    st = store(tmp_path)
    st.load()
    got = texts(st)
    assert len(got) == 100 and st.session.revision == 100
    for name in ("left", "right"):
        mine = [t for t in got if t.startswith(name)]
        assert sorted(mine, key=lambda t: int(t.split("-")[1])) == [f"{name}-{i}" for i in range(50)]
    assert len({e.id for t in st.session.topics for e in t.entries}) == 100
    assert not st.path.with_name("03-backend.json.lock.holder").exists()  # no hold left


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_saves_never_leaves_a_broken_file(tmp_path):
    st = store(tmp_path, backup_interval=0)
    add(st, "seed")
    st.mutate(lambda s: [actions.add_entry(s, ROLE, 2, "note", "padding " * 40, now=st.clock()) for _ in range(120)])
    base_entries, base_rev = len(texts(st)), st.session.revision
    rng = random.Random(1234)
    last_rev, started = base_rev, time.monotonic()
    for _ in range(100):
        pid = os.fork()
        if pid == 0:  # child: save in a loop until killed
            try:
                child = store(tmp_path, backup_interval=0)
                while True:
                    add(child, "child", topic=3)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.005, 0.06))
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        check = store(tmp_path)
        s = check.load()  # raises SessionCorrupt if a partial file were ever left
        assert s.revision >= last_rev
        assert len([e for t in s.topics for e in t.entries]) == base_entries + (s.revision - base_rev)
        last_rev = s.revision
    assert last_rev > base_rev + 10 and time.monotonic() - started < 30  # kills landed mid-stream
    for orphan in check.orphans.list():  # leftovers are either complete sessions or rejected cleanly
        try:
            assert check.orphans.recover(orphan).revision >= base_rev
        except SessionCorrupt as exc:
            assert "left in place" in str(exc) and orphan.exists()


# ------------------------------------------------------------------ the lock


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _lock_free(lock_path) -> bool:
    """True when the lock can be taken at once (no waiting)."""
    probe = LockFile(lock_path, timeout=0)
    try:
        probe.acquire()
    except SessionLocked:
        return False
    probe.release()
    return True


_HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from planner_tui.core.storage.lock import LockFile\n"
    "lock = LockFile(Path(sys.argv[1]))\n"
    "lock.acquire()\n"
    "print('held', flush=True)\n"
    "time.sleep(60)\n"
)


def _holder(lock_path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock_path)], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_killed_holders_lock_is_free_at_once(tmp_path):
    st = store(tmp_path, lock_timeout=0.3)
    add(st, "before")
    lock = st.path.with_name("03-backend.json.lock")
    holder = _holder(lock)
    try:
        assert not _lock_free(lock)
    finally:
        holder.kill()
        holder.wait()
    assert _lock_free(lock)  # no stale lock to wait out or take over: the kernel dropped it
    add(st, "after")
    assert texts(st) == ["before", "after"] and not lock.with_name(lock.name + ".holder").exists()


def test_a_lock_file_left_by_an_older_version_or_another_tool_does_not_block(tmp_path):
    st = store(tmp_path, lock_timeout=0.3)
    add(st, "before")
    lock = st.path.with_name("03-backend.json.lock")
    lock.write_text(f"{_dead_pid()} {socket.gethostname()}\n")  # the old O_EXCL format
    add(st, "after")
    assert texts(st) == ["before", "after"]


def test_live_holder_raises_within_bound_naming_pid_and_host(tmp_path):
    st = store(tmp_path, lock_timeout=0.5)
    add(st, "before")
    before = st.path.read_bytes()
    lock = st.path.with_name("03-backend.json.lock")
    holder = _holder(lock)
    try:
        t0 = time.monotonic()
        with pytest.raises(SessionLocked, match=f"process {holder.pid} on this host"):
            add(st, "blocked")
        assert 0.45 <= time.monotonic() - t0 < 1.5
        assert st.path.read_bytes() == before and texts(st) == ["before"]
        note = lock.with_name(lock.name + ".holder")
        note.write_text("1 some-other-host\n")  # the note is all we know of another host's process
        with pytest.raises(SessionLocked, match="process 1 on some-other-host"):
            add(st, "blocked")
        note.write_text(f"{_dead_pid()} {socket.gethostname()}\n")  # a killed holder's leftover note
        with pytest.raises(SessionLocked, match="locked by another process"):
            add(st, "blocked")
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_excludes_a_second_holder_in_the_same_process(tmp_path):
    path = tmp_path / "x.lock"
    with LockFile(path, timeout=1):
        assert not _lock_free(path)
    assert _lock_free(path)


# ------------------------------------------------------------------ backups, refresh, orphans


def test_backups_rotate_and_are_throttled(tmp_path):
    st = store(tmp_path, backup_interval=0)
    for i in range(6):
        add(st, f"e{i}")
    baks = [st.path.with_name(f"03-backend.json.bak.{i}") for i in (1, 2, 3, 4)]
    assert [b.exists() for b in baks] == [True, True, True, False]
    assert [json.loads(b.read_text())["revision"] for b in baks[:3]] == [5, 4, 3]
    slow = store(tmp_path / "other", backup_interval=3600)
    for i in range(5):
        add(slow, f"e{i}")
    assert [p.name for p in slow.path.parent.glob("*.bak.*")] == ["03-backend.json.bak.1"]


def test_refresh_picks_up_other_writers(tmp_path):
    ui, agent = store(tmp_path), store(tmp_path)
    add(ui, "mine")
    assert ui.refresh() is False
    add(agent, "agent's note")
    assert ui.refresh() is True and texts(ui) == ["mine", "agent's note"]
    os.utime(ui.path)  # touched, same content
    assert ui.refresh() is False
    ui.path.write_bytes(b'{"half": ')  # an editor half-way through a save
    assert ui.refresh() is False and "cannot be read" in ui.last_error and texts(ui) == ["mine", "agent's note"]
    assert ui.path.exists()


def test_orphans_are_listed_validated_and_never_deleted(tmp_path):
    st = store(tmp_path)
    add(st, "saved")
    newer = st.session.model_copy(deep=True)
    actions.add_entry(newer, ROLE, 1, "note", "typed just before the crash", now=st.clock())
    newer.revision += 1
    dead = _dead_pid()
    good = st.path.with_name(f".03-backend.json.{dead}.0123abcd.tmp")
    bad = st.path.with_name(f".03-backend.json.{dead}.89abcdef.tmp")
    good.write_bytes(encode_session(newer))
    bad.write_bytes(encode_session(newer)[:50])
    st.lock_timeout = 0.1
    with st._lock():  # a live writer holds the session lock while its temp file exists
        assert st.orphans.list() == []
    mine = st.path.with_name(f".03-backend.json.{os.getpid()}.00000000.tmp")
    mine.write_bytes(b"left by a writer of this pid that no longer holds the lock")
    assert sorted(st.orphans.list()) == sorted([good, bad, mine])  # the kernel lock decides, not the pid
    mine.unlink()
    recovered = st.orphans.recover(good)
    assert recovered.revision == st.session.revision + 1
    with pytest.raises(SessionCorrupt, match="left in place"):
        st.orphans.recover(bad)
    adopted = st.adopt(recovered)
    assert adopted.revision == recovered.revision + 1 and texts(st) == ["saved", "typed just before the crash"]
    assert good.exists() and bad.exists()
    kept = list(st.path.parent.glob("03-backend.json.replaced-*"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["revision"] == 1
