"""The session file: round trip, corrupt and foreign files, schema versions, failing writes."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from session_support import EPIC, ROLE, add, store, texts

from planner_tui.core.discussion import actions
from planner_tui.core.errors import SessionCorrupt, SessionError, SessionReadOnly, TopicError
from planner_tui.core.storage.migrate import decode_session, encode_session
from planner_tui.core.storage.store import SCHEMA_VERSION, SessionStore

FIXTURES = Path(__file__).parent / "fixtures" / "sessions"

# ------------------------------------------------------------------ round trip and format


def test_round_trip_format_and_gitignore(tmp_path):
    st = store(tmp_path)
    assert st.load() is None and st.session is None
    e = add(st, "Invitations expire after 7 days (configurable)", kind="decision")
    assert st.path == tmp_path / ".planner-tui" / "sessions" / EPIC / "03-backend.json"
    assert (tmp_path / ".planner-tui" / ".gitignore").read_text() == "*\n"
    raw = st.path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw and raw.endswith(b"}\n")
    data = json.loads(raw)
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["revision"] == 1 and raw.startswith(b'{\n  "schema_version": 1,')
    assert raw == encode_session(st.session) == encode_session(decode_session(raw, epic=EPIC, role=ROLE.key).session)
    again = store(tmp_path).load()
    assert again == st.session and again.find_entry(e.id)[1].kind == "decision"


def test_mutate_bumps_revision_and_updated_and_returns_result(tmp_path):
    st = store(tmp_path)
    add(st, "one")
    first = st.session.updated
    result = st.mutate(lambda s: len(s.topics))
    assert result == 3 and st.session.revision == 2 and st.session.updated > first


def test_mutate_without_file_or_create_is_refused(tmp_path):
    with pytest.raises(SessionError, match="no session"):
        store(tmp_path).mutate(lambda s: None)
    assert not (tmp_path / ".planner-tui" / "sessions" / EPIC / "03-backend.json").exists()


def test_bad_names_are_refused(tmp_path):
    with pytest.raises(SessionError, match="single folder"):
        SessionStore(tmp_path, "../escape", "03-backend")
    with pytest.raises(SessionError, match="single folder"):
        SessionStore(tmp_path, EPIC, "a/b")


def test_fn_raising_writes_nothing_and_keeps_memory(tmp_path):
    st = store(tmp_path)
    add(st, "kept")
    before = st.path.read_bytes()

    def half_then_fail(s):
        s.topics[0].entries.clear()
        actions.confirm(s, ROLE, 1, now=st.clock())
        raise TopicError("refused half way")

    with pytest.raises(TopicError):
        st.mutate(half_then_fail)
    assert st.path.read_bytes() == before
    assert texts(st) == ["kept"] and st.session.revision == 1 and not st.session.topics[0].confirmed


def test_unknown_fields_survive_a_save(tmp_path):
    st = store(tmp_path)
    add(st, "n")
    data = json.loads(st.path.read_text())
    data["plugin"] = {"x": 1}
    data["topics"][0]["colour"] = "teal"
    data["topics"][0]["entries"][0]["votes"] = [1, 2]
    st.path.write_text(json.dumps(data))
    add(st, "second")
    out = json.loads(st.path.read_text())
    assert out["plugin"] == {"x": 1} and out["topics"][0]["colour"] == "teal"
    assert out["topics"][0]["entries"][0]["votes"] == [1, 2] and len(out["topics"][0]["entries"]) == 2


# ------------------------------------------------------------------ corrupt and foreign files

CORRUPT = {
    "truncated": (b'{"schema_version": 1, "epic": "x", "topics": [{"id": "a", "entr', "invalid JSON at line 1"),
    "empty": (b"", "the file is empty"),
    "nul": (b"\x00" * 4096, "invalid JSON at line 1, column 1"),
    "random": (bytes(range(256))[::-1] * 4, "not UTF-8 text (byte 0xff at offset 0)"),
    "null": (b"null", "the top level is null, not an object"),
    "list": (b"[]", "the top level is a list, not an object"),
    "topics": (b'{"topics":"abc"}', "topics: Input should be a valid list"),
}


@pytest.mark.parametrize("name", list(CORRUPT))
def test_corrupt_file_is_moved_aside_and_named(tmp_path, name):
    raw, needle = CORRUPT[name]
    st = store(tmp_path)
    st.path.parent.mkdir(parents=True)
    st.path.write_bytes(raw)
    with pytest.raises(SessionCorrupt) as err:
        st.load()
    msg = str(err.value)
    assert needle in msg and "no valid backup is available" in msg
    assert not st.path.exists()
    aside = list(st.path.parent.glob("03-backend.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == raw and aside[0].name in msg
    assert "\n" not in msg


def test_corruption_after_saves_offers_newest_valid_backup(tmp_path):
    st = store(tmp_path, backup_interval=0)
    for i in range(10):
        add(st, f"entry {i}")
    st.path.write_bytes(b'{"schema_version": 1, "ep')
    with pytest.raises(SessionCorrupt, match=r"newest valid backup is 03-backend\.json\.bak\.1 \(revision 9"):
        store(tmp_path, backup_interval=0).load()
    fresh = store(tmp_path, backup_interval=0)
    restored = fresh.restore_backup()
    assert restored.revision == 10 and texts(fresh) == [f"entry {i}" for i in range(9)]
    assert len(list(st.path.parent.glob("*.corrupt-*"))) == 1  # the bad file is still there


def test_corrupt_backup_is_skipped(tmp_path):
    st = store(tmp_path, backup_interval=0)
    for i in range(4):
        add(st, f"e{i}")
    (st.path.parent / "03-backend.json.bak.1").write_bytes(b"garbage")
    assert store(tmp_path).newest_backup()[0].name == "03-backend.json.bak.2"


def test_corrupted_under_a_running_store_is_moved_and_memory_written_back(tmp_path):
    st = store(tmp_path)
    add(st, "precious")
    st.path.write_bytes(b"\x00" * 100)
    with pytest.raises(SessionCorrupt, match="moved to 03-backend.json.corrupt-"):
        add(st, "next")
    assert st.last_error and "cannot be read" in st.last_error
    add(st, "next")  # the file is gone: what we hold is written back, nothing lost
    assert [e.text for e in store(tmp_path).load().topics[0].entries] == ["precious", "next"]


def test_bom_crlf_tabs_and_reordered_keys_load_and_save_normalised(tmp_path):
    st = store(tmp_path)
    add(st, "héllo ünïcode")
    data = json.loads(st.path.read_text(encoding="utf-8"))
    reordered = dict(reversed(list(data.items())))
    text = json.dumps(reordered, indent="\t", ensure_ascii=False).replace("\n", "\r\n")
    st.path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    other = store(tmp_path)
    assert other.load() == st.session
    add(other, "second")
    raw = st.path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw and b"\t" not in raw
    assert "héllo ünïcode".encode() in raw


# ------------------------------------------------------------------ schema versions


def _newer(tmp_path: Path, st: SessionStore) -> bytes:
    add(st, "from the future")
    data = json.loads(st.path.read_text())
    data["schema_version"] = 99
    data["decisions_index"] = {"d": 1}
    data["topics"][0]["entries"][0]["reactions"] = ["+1"]
    raw = json.dumps(data, indent=2).encode()
    st.path.write_bytes(raw)
    return raw


def test_newer_schema_is_read_only_and_never_rewritten(tmp_path):
    raw = _newer(tmp_path, store(tmp_path))
    st = store(tmp_path, backup_interval=0)
    s = st.load()
    assert st.read_only and "newer planner-tui" in st.read_only_reason and "upgrade" in st.read_only_reason
    assert s.decisions_index == {"d": 1} and s.topics[0].entries[0].reactions == ["+1"]
    for attempt in (lambda: add(st, "x"), lambda: st.adopt(s), st.restore_backup, lambda: st.mutate(lambda s: None)):
        with pytest.raises(SessionReadOnly, match="upgrade planner-tui"):
            attempt()
    assert st.path.read_bytes() == raw
    # The kernel lock's file stays (filelock keeps it so waiters share one inode); nothing else is made.
    assert sorted(p.name for p in st.path.parent.iterdir()) == ["03-backend.json", "03-backend.json.lock"]


def test_newer_schema_detected_during_mutate(tmp_path):
    st = store(tmp_path)
    add(st, "mine")
    raw = _newer(tmp_path, store(tmp_path))
    with pytest.raises(SessionReadOnly):
        add(st, "lost?")
    assert st.read_only and st.path.read_bytes() == raw


def test_newer_schema_that_does_not_validate_is_left_in_place(tmp_path):
    st = store(tmp_path)
    st.path.parent.mkdir(parents=True)
    st.path.write_text('{"schema_version": 5, "topics": {"shape": "new"}}')
    with pytest.raises(SessionReadOnly, match="schema 5"):
        st.load()
    assert st.read_only and st.path.exists() and not list(st.path.parent.glob("*.corrupt-*"))


def test_v0_migrates_keeps_exact_backup_and_is_idempotent(tmp_path):
    fixture = FIXTURES / "v0-backend.json"
    original = fixture.read_bytes()
    st = store(tmp_path)
    st.path.parent.mkdir(parents=True)
    st.path.write_bytes(original)
    s = st.load()
    assert st.path.read_bytes() == original  # loading alone writes nothing
    assert [t.id for t in s.topics] == ["domain-data", "api-surface"] and s.cursor_topic == "api-surface"
    q = s.find_entry("e-7f00aa")[1]
    assert (q.kind, q.status, q.cite.line) == ("question", "open", 42)
    assert s.find_entry("e-0a1b2c")[0].confirmed and s.find_entry("e-7f00ab")[1].mood == "tentative"
    st.mutate(lambda s: actions.sync_topics(s, ROLE))
    backup = st.path.with_name("03-backend.json.v0.bak")
    assert backup.read_bytes() == original
    saved = json.loads(st.path.read_text())
    assert saved["schema_version"] == 1 and saved["revision"] == 8 and saved["topics"][1]["entries"][1]["mood"] == "tentative"
    again = store(tmp_path).load()
    assert again == st.session
    assert encode_session(decode_session(st.path.read_bytes(), epic=EPIC, role=ROLE.key).session) == st.path.read_bytes()
    add(st, "after migration")
    assert sorted(p.name for p in st.path.parent.glob("*.v0.bak*")) == ["03-backend.json.v0.bak"]


def test_missing_schema_version_with_current_shape_loads(tmp_path):
    st = store(tmp_path)
    add(st, "n")
    data = json.loads(st.path.read_text())
    del data["schema_version"]
    st.path.write_text(json.dumps(data))
    assert store(tmp_path).load() == st.session


# ------------------------------------------------------------------ failing writes


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_write_failure_leaves_file_and_memory_intact_and_retry_works(tmp_path, monkeypatch, target):
    st = store(tmp_path, backup_interval=3600)
    add(st, "one")
    add(st, "two")
    before_bytes, before_session = st.path.read_bytes(), st.session.model_copy(deep=True)

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, target, boom)
    with pytest.raises(SessionError, match=r"^Session NOT saved: No space left on device\.$"):
        add(st, "three")
    monkeypatch.undo()
    assert st.path.read_bytes() == before_bytes and st.session == before_session
    assert st.last_error == "Session NOT saved: No space left on device."
    assert st.orphans.list() == [] and not st.path.with_name("03-backend.json.lock.holder").exists()
    add(st, "three")
    fresh = store(tmp_path)
    fresh.load()
    assert texts(fresh) == texts(st) == ["one", "two", "three"] and st.last_error is None


def test_temp_file_is_created_next_to_the_session(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (seen.append((Path(a), Path(b))), real(a, b))[1])
    st = store(tmp_path)
    add(st, "n")
    src, dst = seen[-1]
    assert dst == st.path and src.parent == st.path.parent and src.name.startswith(".03-backend.json.")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_reports_permission_denied(tmp_path):
    st = store(tmp_path)
    add(st, "n")
    st.path.parent.chmod(0o500)
    try:
        with pytest.raises(SessionError, match="Session NOT saved: .*Permission denied"):
            add(st, "m")
        assert texts(st) == ["n"]
    finally:
        st.path.parent.chmod(0o700)


def test_symlinked_session_file_keeps_the_link(tmp_path):
    real = tmp_path / "elsewhere" / "real.json"
    real.parent.mkdir()
    st = store(tmp_path)
    st.path.parent.mkdir(parents=True)
    add(store(tmp_path), "n")
    shutil.move(st.path, real)
    st.path.symlink_to(real)
    add(st, "m")
    assert st.path.is_symlink() and [e["text"] for e in json.loads(real.read_text())["topics"][0]["entries"]] == ["n", "m"]



def test_gitignore_is_made_once_and_a_deleted_one_is_not_recreated(tmp_path):
    st = store(tmp_path)
    add(st, "n")
    ignore = tmp_path / ".planner-tui" / ".gitignore"
    assert ignore.read_text() == "*\n"
    ignore.unlink()  # the person chose to commit their sessions
    add(st, "m")
    assert not ignore.exists()


def test_newer_schema_backups_and_orphans_are_never_restored(tmp_path):
    st = store(tmp_path, backup_interval=0)
    for i in range(3):
        add(st, f"e{i}")
    bak1 = st.path.with_name("03-backend.json.bak.1")
    data = json.loads(bak1.read_text())
    data["schema_version"] = 99
    bak1.write_text(json.dumps(data))
    assert st.newest_backup()[0].name == "03-backend.json.bak.2"
    orphan = st.path.with_name(".03-backend.json.999999.0123abcd.tmp")
    orphan.write_text(json.dumps(data))
    with pytest.raises(SessionReadOnly, match="schema 99"):
        st.orphans.recover(orphan)
    restored = st.restore_backup()
    assert restored.schema_version == 1 and json.loads(st.path.read_text())["schema_version"] == 1


# ------------------------------------------------------------------ warming the first save


def test_warm_makes_the_first_save_after_opening_serialise_only_what_changed(tmp_path, monkeypatch):
    from planner_tui.core.storage import encoding

    first = store(tmp_path)
    for n in range(200):
        add(first, f"Entry number {n} of a long discussion")
    opened = store(tmp_path)  # a fresh start: nothing of the file serialised yet in this process
    opened.load()
    whole: list[int] = []
    real = encoding.encode_session
    monkeypatch.setattr(encoding, "encode_session", lambda s: whole.append(1) or real(s))

    opened.warm()
    assert whole == [1]  # the one whole serialisation, done ahead
    add(opened, "The first entry typed after the start")
    assert whole == [1]  # the first save reused every other entry's JSON
    assert opened.path.read_bytes() == real(opened.session)
    again = store(tmp_path)
    again.load()
    assert texts(again)[-1] == "The first entry typed after the start"


def test_warm_before_the_first_entry_writes_nothing(tmp_path):
    fresh = store(tmp_path)
    fresh.warm()  # no session yet: nothing to serialise, and no file or folder is made
    assert not (tmp_path / ".planner-tui").exists()
