"""Tests for reading project files safely and writing files atomically, on real temp trees."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from planner_tui.core.text import reading
from planner_tui.core.text.reading import (
    BINARY,
    NOT_REGULAR,
    OUTSIDE,
    probe,
    read_text_safely,
    resolve_inside,
)
from planner_tui.core.storage.files import atomic_write_text, temp_files


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project at <tmp>/proj with a sibling <tmp>/proj-evil holding a secret."""
    root = tmp_path / "proj"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "prd.md").write_text("# Saved Searches\n\nMembers keep filters.\n", encoding="utf-8")
    evil = tmp_path / "proj-evil"
    evil.mkdir()
    (evil / "secret.md").write_text("TOP SECRET\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("outside text\n", encoding="utf-8")
    return root


def test_reads_a_plain_file(proj: Path) -> None:
    result = read_text_safely(proj, "docs/prd.md")
    assert result.state == "present"
    assert result.text.startswith("# Saved Searches")
    assert result.size == len("# Saved Searches\n\nMembers keep filters.\n")
    assert result.mtime and result.mtime > 0
    assert result.truncated is False and result.reason is None
    assert result.path == "docs/prd.md"


def test_missing_file_is_missing_not_an_exception(proj: Path) -> None:
    result = read_text_safely(proj, "docs/nope.md")
    assert result.state == "missing"
    assert result.reason == "not found"


@pytest.mark.parametrize(
    "rel",
    [
        "../proj-evil/secret.md",
        "../proj-evil/absent.md",
        "docs/../../proj-evil/secret.md",
        "../../../../etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
        "~/.ssh/id_rsa",
        "C:\\Windows\\win.ini",
        "c:/windows/win.ini",
        "%2e%2e/%2e%2e/secret",
        "docs/%2E%2E/%2e%2e/proj-evil/secret.md",
        "..\\proj-evil\\secret.md",
        "\\\\server\\share\\x.md",
        "docs/prd.md\x00.txt",
    ],
)
def test_outside_references_are_refused_with_one_message(proj: Path, rel: str) -> None:
    result = read_text_safely(proj, rel)
    assert result.state == "refused"
    assert result.reason == OUTSIDE
    assert result.text == ""


def test_prefix_sibling_is_refused_although_it_exists(proj: Path) -> None:
    # `/tmp/x/proj-evil` starts with `/tmp/x/proj`: a startswith check would let it through.
    assert (proj.parent / "proj-evil" / "secret.md").exists()
    assert read_text_safely(proj, "../proj-evil/secret.md").reason == OUTSIDE
    assert resolve_inside(proj, "../proj-evil/secret.md") == (None, OUTSIDE)


def test_symlinks_out_give_the_same_message_whether_target_exists_or_not(proj: Path) -> None:
    (proj / "notes.md").symlink_to(proj.parent / "outside.md")
    (proj / "ghost.md").symlink_to(proj.parent / "no-such-file.md")
    (proj / "link_out").symlink_to("/etc")
    (proj / "zero.md").symlink_to("/dev/zero")
    results = [read_text_safely(proj, rel) for rel in ("notes.md", "ghost.md", "link_out/passwd", "zero.md")]
    assert {(r.state, r.reason) for r in results} == {("refused", OUTSIDE)}
    assert all("outside text" not in r.text for r in results)


def test_symlink_inside_the_root_is_followed(proj: Path) -> None:
    (proj / "alias.md").symlink_to("docs/prd.md")
    (proj / "docs-link").symlink_to("docs", target_is_directory=True)
    assert read_text_safely(proj, "alias.md").text.startswith("# Saved Searches")
    assert read_text_safely(proj, "docs-link/prd.md").state == "present"


def test_symlink_loops_are_refused(proj: Path) -> None:
    (proj / "loop").symlink_to("loop")
    (proj / "a.md").symlink_to("b.md")
    (proj / "b.md").symlink_to("a.md")
    for rel in ("loop", "a.md", "loop/x.md"):
        result = read_text_safely(proj, rel)
        assert result.state == "refused", rel
        assert "loop" in (result.reason or ""), rel


def _read_in_thread(root: Path, rel: str) -> tuple[float, object]:
    box: list[object] = []
    start = time.monotonic()
    thread = threading.Thread(target=lambda: box.append(read_text_safely(root, rel)), daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive(), f"reading {rel} blocked"
    return time.monotonic() - start, box[0]


def test_fifo_is_refused_immediately(proj: Path) -> None:
    os.mkfifo(proj / "pipe.md")
    (proj / "via-link.md").symlink_to("pipe.md")
    for rel in ("pipe.md", "via-link.md"):
        elapsed, result = _read_in_thread(proj, rel)
        assert elapsed < 1.0
        assert result.state == "refused" and result.reason == NOT_REGULAR  # type: ignore[attr-defined]


def test_directory_and_socket_are_not_regular_files(proj: Path) -> None:
    assert read_text_safely(proj, "docs").reason == NOT_REGULAR
    assert read_text_safely(proj, ".").reason == NOT_REGULAR
    sock_path = proj / "s.md"
    if len(os.fsencode(sock_path)) > 100:
        pytest.skip("temp path too long for a unix socket")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(os.fspath(sock_path))
        elapsed, result = _read_in_thread(proj, "s.md")
    finally:
        server.close()
    assert elapsed < 1.0
    assert result.reason == NOT_REGULAR  # type: ignore[attr-defined]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_device_node_inside_the_root_is_refused(proj: Path) -> None:
    os.mknod(proj / "zero-dev.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    elapsed, result = _read_in_thread(proj, "zero-dev.md")
    assert elapsed < 1.0
    assert result.reason == NOT_REGULAR  # type: ignore[attr-defined]


def test_binary_files_are_not_shown(proj: Path) -> None:
    (proj / "diagram.md").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"x" * 50)
    (proj / "nul.md").write_bytes(b"# Title\n" + b"a" * 100 + b"\x00" + b"b" * 10)
    (proj / "late-nul.md").write_bytes(b"a" * 9000 + b"\x00")
    for rel in ("diagram.md", "nul.md"):
        result = read_text_safely(proj, rel)
        assert (result.state, result.reason, result.text) == ("refused", BINARY, "")
        assert probe(proj, rel).reason == BINARY
    # git's rule looks at the first 8000 bytes only
    assert read_text_safely(proj, "late-nul.md").state == "present"


def test_huge_file_is_truncated_at_a_line_boundary(proj: Path) -> None:
    line = "- a line of the product requirements\n"
    (proj / "big.md").write_text(line * 1000, encoding="utf-8")
    result = read_text_safely(proj, "big.md", max_bytes=1000)
    assert result.state == "present" and result.truncated
    assert result.text.endswith("\n")
    assert len(result.text.encode()) <= 1000
    assert result.text.count("\n") == 1000 // len(line)
    assert "truncated" in (result.reason or "") and "cap" in (result.reason or "")
    assert result.size == len(line) * 1000


def test_single_giant_line_is_cut_at_the_cap(proj: Path) -> None:
    (proj / "one-line.md").write_bytes(b"x" * 5000)
    result = read_text_safely(proj, "one-line.md", max_bytes=1200)
    assert result.truncated and len(result.text) == 1200


def test_default_cap_is_two_megabytes(proj: Path) -> None:
    (proj / "huge.md").write_bytes((b"y" * 99 + b"\n") * 30_000)  # 3 MB
    result = read_text_safely(proj, "huge.md")
    assert result.truncated
    assert len(result.text.encode()) <= 2_000_000
    assert result.size == 3_000_000


def test_encodings(proj: Path) -> None:
    (proj / "bom.md").write_bytes("\ufeff# Titel mit Ümlaut\n".encode("utf-8"))
    (proj / "utf16le.md").write_bytes("# Équipe\r\nligne\n".encode("utf-16"))
    (proj / "utf16be.md").write_bytes(b"\xfe\xff" + "# Été\n".encode("utf-16-be"))
    (proj / "latin1.md").write_bytes("# Café crème\n".encode("latin-1"))
    (proj / "invalid.md").write_bytes(b"ok \xff\xfe bytes\n")
    (proj / "odd-bom.md").write_bytes(b"\xff\xfeabc")
    assert read_text_safely(proj, "bom.md").text == "# Titel mit Ümlaut\n"
    assert read_text_safely(proj, "utf16le.md").text == "# Équipe\nligne\n"
    assert read_text_safely(proj, "utf16be.md").text == "# Été\n"
    assert read_text_safely(proj, "latin1.md").text == "# Caf\ufffd cr\ufffdme\n"
    assert read_text_safely(proj, "invalid.md").text == "ok \ufffd\ufffd bytes\n"
    odd = read_text_safely(proj, "odd-bom.md")
    assert odd.state == "present" and odd.text.endswith("abc")


def test_crlf_becomes_lf(proj: Path) -> None:
    (proj / "win.md").write_bytes(b"# A\r\n\r\n- b\r\n")
    assert read_text_safely(proj, "win.md").text == "# A\n\n- b\n"


def test_non_utf8_file_name_is_readable(proj: Path) -> None:
    raw = os.fsencode(proj) + b"/\xff.md"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"# odd name\n")
    os.close(fd)
    result = read_text_safely(proj, os.fsdecode(b"\xff.md"))
    assert result.state == "present" and result.text == "# odd name\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files anyway; runs as a normal user")
def test_unreadable_file_is_refused(proj: Path) -> None:
    target = proj / "locked.md"
    target.write_text("secret\n", encoding="utf-8")
    target.chmod(0)
    try:
        result = read_text_safely(proj, "locked.md")
    finally:
        target.chmod(0o644)
    assert (result.state, result.reason) == ("refused", "permission denied")


def test_swap_to_symlink_between_check_and_open_is_caught(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = proj / "race.md"
    target.write_text("inside\n", encoding="utf-8")
    real_stat = os.stat
    swapped: list[bool] = []

    def stat_then_swap(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_stat(path, *args, **kwargs)
        if not swapped and os.fspath(path).endswith("race.md"):
            swapped.append(True)
            os.unlink(target)
            os.symlink(proj.parent / "outside.md", target)
        return result

    monkeypatch.setattr(reading.os, "stat", stat_then_swap)
    result = read_text_safely(proj, "race.md")
    monkeypatch.undo()
    assert swapped
    assert (result.state, result.reason) == ("refused", reading.CHANGED)
    assert "outside text" not in result.text


def test_swap_to_another_file_between_check_and_open_is_caught(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = proj / "race.md"
    target.write_text("first\n", encoding="utf-8")
    real_stat = os.stat
    swapped: list[bool] = []

    def stat_then_swap(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_stat(path, *args, **kwargs)
        if not swapped and os.fspath(path).endswith("race.md"):
            swapped.append(True)
            other = proj / "other.md"
            other.write_text("second\n", encoding="utf-8")
            os.replace(other, target)
        return result

    monkeypatch.setattr(reading.os, "stat", stat_then_swap)
    result = read_text_safely(proj, "race.md")
    monkeypatch.undo()
    assert swapped
    assert (result.state, result.reason) == ("refused", reading.CHANGED)


def test_file_vanishing_after_the_check_is_missing(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = proj / "gone.md"
    target.write_text("soon gone\n", encoding="utf-8")
    real_stat = os.stat
    deleted: list[bool] = []

    def stat_then_delete(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_stat(path, *args, **kwargs)
        if not deleted and os.fspath(path).endswith("gone.md"):
            deleted.append(True)
            os.unlink(target)
        return result

    monkeypatch.setattr(reading.os, "stat", stat_then_delete)
    result = read_text_safely(proj, "gone.md")
    monkeypatch.undo()
    assert result.state == "missing"
    assert "disappeared" in (result.reason or "")


# --------------------------------------------------------------------------- atomic writes


def test_atomic_write_creates_lf_utf8_without_bom(tmp_path: Path) -> None:
    target = tmp_path / "plan.md"
    atomic_write_text(target, "\ufeff# Plan\r\n- é\r- x\n")
    assert target.read_bytes() == "# Plan\n- é\n- x\n".encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]


def test_atomic_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "session.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "real-task-master"
    real_dir.mkdir()
    (real_dir / "plan.md").write_text("old\n", encoding="utf-8")
    link_dir = tmp_path / "proj"
    link_dir.mkdir()
    (link_dir / "plan.md").symlink_to(real_dir / "plan.md")
    atomic_write_text(link_dir / "plan.md", "new\n")
    assert (link_dir / "plan.md").is_symlink()
    assert (real_dir / "plan.md").read_text(encoding="utf-8") == "new\n"
    # the temp file was made beside the real target, and nothing is left over
    assert sorted(p.name for p in real_dir.iterdir()) == ["plan.md"]
    assert sorted(p.name for p in link_dir.iterdir()) == ["plan.md"]


def test_atomic_write_failure_removes_temp_and_keeps_old(tmp_path: Path) -> None:
    target = tmp_path / "plan.md"
    target.mkdir()  # renaming a file over a folder fails
    (target / "keep.txt").write_text("kept", encoding="utf-8")
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert (target / "keep.txt").read_text(encoding="utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "no-such-dir" / "x.md", "x")


def test_temp_files_lists_leftovers_newest_first_and_deletes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "session.json"
    old = tmp_path / f".session.json.{os.getpid()}.0badc0de.tmp"
    new = tmp_path / f".session.json.{os.getpid()}.1234abcd.tmp"
    old.write_text("{", encoding="utf-8")
    new.write_text("{}", encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    target.write_text("{}", encoding="utf-8")
    (tmp_path / f".other.json.{os.getpid()}.1234abcd.tmp").write_text("{}", encoding="utf-8")
    (tmp_path / ".session.json.notes.tmp").write_text("{}", encoding="utf-8")
    (tmp_path / f".session.json.{os.getpid()}.5555aaaa.tmp").mkdir()  # not a file: never offered
    assert temp_files(target) == [new, old]
    assert old.exists() and new.exists()
    assert temp_files(tmp_path / "absent" / "session.json") == []


_WRITER = """
import json, sys
from pathlib import Path
from planner_tui.core.storage.files import atomic_write_text
target = Path(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    n += 1
    atomic_write_text(target, json.dumps({"n": n, "pad": "x" * (20000 + n % 7 * 5000)}))
"""


def test_sigkill_during_saves_never_leaves_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "session.json"
    atomic_write_text(target, json.dumps({"n": 0, "pad": ""}))
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for _ in range(12):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        data = json.loads(target.read_text(encoding="utf-8"))
        assert isinstance(data["n"], int)
        assert data["pad"] in ("", "x" * (20000 + data["n"] % 7 * 5000))
    # leftovers may exist; they are listed for recovery, never silently removed
    for orphan in temp_files(target):
        assert orphan.parent == tmp_path


@pytest.mark.parametrize("seen", [0, 10, 5_000, 70_000, 2_000_000])
def test_a_file_is_read_whole_and_cut_where_asked_whatever_size_stat_saw(tmp_path: Path, seen: int) -> None:
    # The size stat saw lets a whole file come in one read; a file that grew or shrank since
    # (a size seen too small or too large) is still read to its end, and never past the limit.
    data = bytes(random.Random(seen).getrandbits(8) for _ in range(300_000))
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    for limit in (1, 4096, 300_000, 300_001, 10**7):
        fd = os.open(path, os.O_RDONLY)
        try:
            assert reading._read_upto(fd, limit, seen) == data[:limit]
        finally:
            os.close(fd)
