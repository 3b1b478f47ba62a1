"""Reliability group D: hostile files and links put in a real epic folder, read through the product."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest

from planner_tui.cli.main import main
from planner_tui.core.epic.artifacts import FOLDER_CAP, LINK_COUNT, LINK_DEPTH, LINK_OUTSIDE, LINK_PER_DOC
from planner_tui.core.engine import Planner
from planner_tui.core.text.reading import BINARY, DEFAULT_MAX_BYTES, NOT_REGULAR, OUTSIDE
from planner_tui.demo import make_demo

EPIC = "009_photo-annotations"
EPIC_DIR = f".task-master/epics/{EPIC}"
NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc).timestamp()
MARKER = "OUTSIDE-SECRET-7f3a9c"
"""Written only into files outside the project: it must never appear in anything the product shows."""
UP = "../../../../"
"""From a document in the epic folder up to the folder that holds the project."""


@pytest.fixture
def _proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo project, an isolated HOME with secrets in it, and secrets next to the project."""
    home = tmp_path / "home"
    for rel in (".ssh/id_rsa", ".aws/credentials"):
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text(f"{MARKER} {rel}\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "secret").write_text(f"{MARKER} secret\n", encoding="utf-8")
    (tmp_path / "proj-evil").mkdir()
    (tmp_path / "proj-evil" / "secret.md").write_text(f"# {MARKER} sibling\n", encoding="utf-8")
    return make_demo(tmp_path / "proj", now=NOW)


def _child_env() -> dict[str, str]:
    """The environment for `python -m planner_tui`, importing this checkout."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def _secrets(project: Path) -> list[Path]:
    base, home = project.parent, Path(os.environ["HOME"])
    return [base / "secret", base / "proj-evil" / "secret.md", home / ".ssh" / "id_rsa", home / ".aws" / "credentials"]


HANG = 30.0
"""Seconds after which a load counts as blocked (a FIFO opened, /dev/zero read to its end): a
bound for hangs only; how fast loading is belongs to the benchmarks, not to a shared machine."""


def _load(project: Path) -> tuple[dict[str, object], dict[str, object], float]:
    """List the epic's artifacts and read every one, as the workbench does; with the time it took."""
    start = time.monotonic()
    planner = Planner.open(project, epic=EPIC)
    arts = planner.project.artifacts(planner.epic)
    reads = {a.path: planner.project.read_artifact(a) for a in arts}
    return {a.path: a for a in arts}, reads, time.monotonic() - start


def _check(capsys: pytest.CaptureFixture[str], project: Path) -> tuple[int, dict, str]:
    """`planner-tui check --json`, then the text report; returns (code, JSON data, all output)."""
    code = main(["--project", str(project), "check", "--json"])
    first = capsys.readouterr()
    text_code = main(["--project", str(project), "check"])
    second = capsys.readouterr()
    assert text_code == code
    return code, json.loads(first.out), first.out + first.err + second.out + second.err


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """Mode, size, mtime and inode of everything under folder (never opening a file)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            found[os.path.join(dirpath, name)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def _no_marker(*texts: str) -> None:
    for text in texts:
        assert MARKER not in text


class _OpenSpy:
    """Linux inotify on files outside the project: counts every time anyone opens or reads them."""

    IN_ACCESS, IN_OPEN = 0x1, 0x20

    def __init__(self, paths: list[Path]) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            pytest.skip("inotify is not available here")
        for path in paths:
            if libc.inotify_add_watch(self.fd, os.fsencode(path), self.IN_OPEN | self.IN_ACCESS) < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")

    def events(self) -> int:
        count = 0
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return count
            offset = 0
            while offset < len(data):
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                offset += 16 + length
                count += 1

    def assert_untouched_then_live(self, paths: list[Path]) -> None:
        """No open happened; then prove the spy works by opening one file ourselves."""
        assert self.events() == 0, "a file outside the project was opened"
        paths[0].read_bytes()
        assert self.events() > 0
        os.close(self.fd)


@pytest.fixture
def _spy(_proj: Path):
    if not sys.platform.startswith("linux"):
        pytest.skip("the open spy uses Linux inotify")
    return _OpenSpy(_secrets(_proj))


# --------------------------------------------------------------------------- D1-D2

OUTSIDE_LINKS = [
    UP + "etc/passwd", "../../../../../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd",
    "~/.ssh/id_rsa", "~/.ssh/absent_key", "C:\\Windows\\win.ini", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret",
    UP + "secret", UP + "no-such-secret",
]
URL_LINKS = ["https://evil.example/x.md", "http://evil.example/", "mailto:ops@evil.example",
             "javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4="]


def test_D1_traversal_absolute_and_url_links_are_never_followed(capsys, _proj, _spy):
    """Links leading out of the project (.., absolute, file:, ~, drive letters, %2e%2e) are listed as "link outside project (not followed)" and URLs are only text."""
    absolute = [str(_proj.parent / "secret"), f"file://{_proj.parent}/secret"]
    links = OUTSIDE_LINKS + absolute
    body = "".join(f"- [l{i}]({t})\n" for i, t in enumerate(links + URL_LINKS))
    (_proj / EPIC_DIR / "07-links.md").write_text("# Links\n\n" + body, encoding="utf-8")
    before = _snapshot(_proj / EPIC_DIR)
    arts, reads, took = _load(_proj)
    for raw in links:
        assert arts[raw].state == "refused" and arts[raw].reason == LINK_OUTSIDE, raw
        assert reads[raw].state == "refused" and reads[raw].text == ""
    assert not [p for p in arts if p.startswith(("http", "mailto", "javascript", "data"))]
    doc = reads[f"{EPIC_DIR}/07-links.md"].text
    assert all(url in doc for url in URL_LINKS)  # shown as text, never fetched
    _no_marker(*(r.text for r in reads.values()))
    code, data, output = _check(capsys, _proj)
    assert code == 1 and not data["ok"]
    states = {a["path"]: (a["state"], a["reason"]) for a in data["artifacts"]}
    assert all(states[raw] == ("refused", LINK_OUTSIDE) for raw in links)
    assert f"[refused] /etc/passwd — {LINK_OUTSIDE}" in output
    _no_marker(output)
    _spy.assert_untouched_then_live(_secrets(_proj))
    assert _snapshot(_proj / EPIC_DIR) == before and took < HANG


def test_D1_same_answer_whether_an_outside_target_exists_or_not(_proj):
    """An outside link gets the same state, reason and size whether its target exists, so the listing is no oracle."""
    pairs = [(UP + "secret", UP + "no-such"), ("~/.ssh/id_rsa", "~/.ssh/nope"),
             (str(_proj.parent / "secret"), str(_proj.parent / "nope")), (UP + "proj-evil/secret.md", UP + "proj-nope/secret.md")]
    body = "".join(f"[a]({a}) [b]({b})\n" for a, b in pairs)
    (_proj / EPIC_DIR / "07-links.md").write_text(body, encoding="utf-8")
    arts, reads, _ = _load(_proj)
    for there, absent in pairs:
        assert arts[there].model_dump(exclude={"path", "label"}) == arts[absent].model_dump(exclude={"path", "label"})
        assert reads[there].model_dump(exclude={"path"}) == reads[absent].model_dump(exclude={"path"})


def test_D2_sibling_folder_with_the_project_name_as_prefix_is_rejected(capsys, _proj, _spy):
    """`../proj-evil/secret.md` next to `proj` is rejected from a link, from the epic task's artifact list and through a symlink."""
    (_proj / EPIC_DIR / "07-links.md").write_text(f"[evil]({UP}proj-evil/secret.md)\n", encoding="utf-8")
    os.symlink("../" + UP + "proj-evil/secret.md", _proj / EPIC_DIR / "stories" / "evil.md")
    tasks = _proj / ".taskmaster" / "tasks" / "tasks.json"
    data = json.loads(tasks.read_text(encoding="utf-8"))
    task = next(t for tag in data.values() for t in tag["tasks"] if t["id"] == 9)
    task["details"] += "\n99. ../proj-evil/secret.md"
    tasks.write_text(json.dumps(data), encoding="utf-8")
    arts, reads, _ = _load(_proj)
    assert arts[f"{UP}proj-evil/secret.md"].reason == LINK_OUTSIDE
    assert arts["../proj-evil/secret.md"].reason == LINK_OUTSIDE
    assert arts[f"{EPIC_DIR}/stories/evil.md"].state == "refused" and arts[f"{EPIC_DIR}/stories/evil.md"].reason == OUTSIDE
    assert not [p for p in arts if "proj-evil" in p and arts[p].state != "refused"]
    _no_marker(*(r.text for r in reads.values()))
    code, _, output = _check(capsys, _proj)
    assert code == 1
    _no_marker(output)
    _spy.assert_untouched_then_live(_secrets(_proj))


# --------------------------------------------------------------------------- D3-D4


def test_D3_symlinks_out_loops_and_devices_are_refused_without_reading(capsys, _proj, _spy):
    """Symlinks to /etc, to ~/.aws/credentials, to themselves, to /dev/zero and /dev/tty are refused with a reason, quickly and without reading outside."""
    stories = _proj / EPIC_DIR / "stories"
    os.symlink("/etc", stories / "link_out")
    os.symlink(Path(os.environ["HOME"]) / ".aws" / "credentials", stories / "notes.md")
    os.symlink("loop.md", stories / "loop.md")
    os.symlink("/dev/zero", stories / "zero.md")
    os.symlink("/dev/tty", stories / "tty.md")
    os.symlink("technician.md", stories / "alias.md")  # inside: the same file, listed once
    (_proj / EPIC_DIR / "07-links.md").write_text("[etc](stories/link_out/passwd) [alias](stories/alias.md)\n", encoding="utf-8")
    arts, reads, took = _load(_proj)
    s = f"{EPIC_DIR}/stories/"
    expected = {s + "notes.md": OUTSIDE, s + "loop.md": "symlink loop (not followed)", s + "zero.md": OUTSIDE,
                s + "tty.md": OUTSIDE, s + "link_out/passwd": LINK_OUTSIDE}
    assert {p: (arts[p].state, arts[p].reason) for p in expected} == {p: ("refused", r) for p, r in expected.items()}
    assert s + "alias.md" not in arts and arts[s + "technician.md"].state == "present"
    assert not [p for p in arts if p.startswith(s + "link_out/") and arts[p].state == "present"]
    assert took < HANG
    _no_marker(*(r.text for r in reads.values()))
    code, _, output = _check(capsys, _proj)
    assert code == 1 and "symlink loop (not followed)" in output
    _no_marker(output)
    _spy.assert_untouched_then_live(_secrets(_proj))


def test_D3_a_file_swapped_for_a_symlink_while_reading_never_leaks(_proj, _spy):
    """A file that a concurrent writer keeps swapping between a real file and a symlink out of the project is read or refused, never followed out."""
    stories = _proj / EPIC_DIR / "stories"
    race = stories / "race.md"
    race.write_text("inside text\n", encoding="utf-8")
    planner = Planner.open(_proj, epic=EPIC)
    artifact = next(a for a in planner.project.artifacts(planner.epic) if a.path.endswith("stories/race.md"))
    stop = threading.Event()

    def swap() -> None:
        secret = _secrets(_proj)[0]
        while not stop.is_set():
            os.symlink(secret, stories / ".link.tmp")
            os.replace(stories / ".link.tmp", race)
            (stories / ".file.tmp").write_text("inside text\n", encoding="utf-8")
            os.replace(stories / ".file.tmp", race)

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    results = []
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            results.append(planner.project.read_artifact(artifact))
    finally:
        stop.set()
        swapper.join(5)
    _no_marker(*(r.text for r in results))
    assert {r.state for r in results} <= {"present", "refused", "missing"}
    assert any(r.state == "present" and r.text == "inside text\n" for r in results)
    assert any(r.state == "refused" for r in results), "the race was never hit"
    _spy.assert_untouched_then_live(_secrets(_proj))


def test_D4_fifo_socket_device_and_folder_are_reported_at_once(_proj):
    """A FIFO named pipe.md, a socket, a device node and a folder named like a document are "not a regular file", reported without blocking."""
    epic = _proj / EPIC_DIR
    os.mkfifo(epic / "pipe.md")
    os.mkfifo(epic / "stories" / "fifo.md")
    (epic / "dir.md").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(epic / "stories")  # a relative name: the full path is longer than AF_UNIX allows
    try:
        sock.bind("sock.md")
    finally:
        os.chdir(cwd)
    special = ["pipe.md", "stories/fifo.md", "stories/sock.md", "dir.md"]
    try:
        os.mknod(epic / "stories" / "dev.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
        special.append("stories/dev.md")
    except PermissionError:
        pass  # no CAP_MKNOD here: the other special files still cover the case
    (epic / "07-links.md").write_text("[pipe](pipe.md) [dir](dir.md) [folder](./stories/)\n", encoding="utf-8")
    done: list[tuple] = []
    worker = threading.Thread(target=lambda: done.append(_load(_proj)), daemon=True)
    worker.start()
    # A reader that opened a FIFO waits forever: the bound tells "blocked" from "slow machine".
    worker.join(15.0)
    if worker.is_alive():  # unblock a reader stuck on a FIFO, then fail
        for fifo in ("pipe.md", "stories/fifo.md"):
            os.close(os.open(epic / fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("loading the epic blocked on a special file")
    sock.close()
    arts, reads, took = done[0]
    for rel in special:
        path = f"{EPIC_DIR}/{rel}"
        assert (arts[path].state, arts[path].reason) == ("refused", NOT_REGULAR), rel
        assert reads[path].state == "refused"
    assert f"{EPIC_DIR}/stories" not in arts
    # A command blocked on a FIFO never ends: the timeout fails the test (how long it takes is
    # for the benchmarks, not for a test on a shared machine).
    proc = subprocess.run([sys.executable, "-m", "planner_tui", "--project", str(_proj), "check", "--json"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30, env=_child_env())
    assert proc.returncode == 1, proc.stderr
    states = {a["path"]: a["reason"] for a in json.loads(proc.stdout)["artifacts"]}
    assert all(states[f"{EPIC_DIR}/{rel}"] == NOT_REGULAR for rel in special)


# --------------------------------------------------------------------------- D5-D7


def test_D5_link_cycles_chains_farms_and_spellings_load_each_file_once(capsys, _proj):
    """Cycles, a 50-deep chain, 1000 links in one file and several spellings of one file load each file once, within a depth and count cap noted as "link limit reached"."""
    epic = _proj / EPIC_DIR
    (epic / "07-graph.md").write_text(
        "[a](a.md) [me](07-graph.md) [chain](c00.md) [farm](farm.md)\n"
        "[x1](./x.md) [x2](sub/../x.md) [x3](x.md#heading) [x4](x.md?raw=1) [x5](<x.md>)\n"
        "[ref][r] and [spaces](<path with spaces.md>)\n\n[r]: ./ref.md\n", encoding="utf-8")
    (epic / "a.md").write_text("[b](b.md) [self](a.md)\n", encoding="utf-8")
    (epic / "b.md").write_text("[back](./a.md)\n", encoding="utf-8")
    for i in range(50):
        (epic / f"c{i:02}.md").write_text(f"# Step {i}\n\n[next](c{i + 1:02}.md)\n", encoding="utf-8")
    (epic / "farm.md").write_text("".join(f"- [f{i}](f{i:04}.md)\n" for i in range(1000)), encoding="utf-8")
    for i in range(1000):
        (epic / f"f{i:04}.md").write_text("leaf\n", encoding="utf-8")
    for name in ("x.md", "ref.md", "path with spaces.md"):
        (epic / name).write_text(f"# {name}\n", encoding="utf-8")
    (epic / "sub").mkdir()
    (epic / "stories" / "win.md").write_text("[x](..\\x.md)\n", encoding="utf-8")
    arts, reads, took = _load(_proj)
    paths = list(arts)
    assert len(paths) == len(set(paths)) and took < HANG
    for name in ("a.md", "b.md", "x.md", "ref.md", "path with spaces.md", "07-graph.md"):
        assert arts[f"{EPIC_DIR}/{name}"].state == "present", name
    assert not [p for p, a in arts.items() if a.state == "missing"]
    chain = sorted(p for p in paths if p.startswith(f"{EPIC_DIR}/c"))
    assert chain == [f"{EPIC_DIR}/c{i:02}.md" for i in range(LINK_DEPTH)]
    farm = [p for p in paths if p.startswith(f"{EPIC_DIR}/f") and p != f"{EPIC_DIR}/farm.md"]
    assert 0 < len(farm) <= LINK_PER_DOC
    assert len([a for a in arts.values() if a.group == "linked"]) <= LINK_COUNT + 1
    note = arts["note:link-limit"]
    assert note.label == "link limit reached" and note.reason.startswith("link limit reached")
    code, data, output = _check(capsys, _proj)
    assert [a["path"] for a in data["artifacts"]] == paths and "link limit reached" in output


def test_D6_huge_files_are_capped_and_a_huge_folder_is_listed_in_part(capsys, _proj):
    """A 200 MB file and a 50 MB single line are shown truncated at the size cap with a notice, and a 10,000-file epic folder is listed up to its cap, all in bounded time and memory."""
    epic = _proj / EPIC_DIR
    big = epic / "stories" / "big.md"
    with big.open("wb") as fh:
        line = b"- a line of a very long planning document\n"
        fh.write(line * (3_000_000 // len(line)))
        fh.truncate(200 * 1024 * 1024)  # sparse: the disk holds only the first 3 MB
    with (epic / "stories" / "zeros.md").open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    with (epic / "stories" / "line.md").open("wb") as fh:
        for _ in range(50):
            fh.write(b"x" * (1024 * 1024))
    first = epic / "50-note-00000.md"
    first.write_bytes(b"# note\n")
    for i in range(1, 10_000):
        os.link(first, epic / f"50-note-{i:05}.md")  # 10,000 real entries; links are cheap to create
    arts, reads, took = _load(_proj)
    assert took < HANG
    s = f"{EPIC_DIR}/stories/"
    planner = Planner.open(_proj, epic=EPIC)
    tracemalloc.start()
    try:
        for name in ("big.md", "line.md", "zeros.md"):
            planner.project.read_artifact(arts[s + name])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * DEFAULT_MAX_BYTES, peak  # bounded by the cap, not by the 200 MB on disk
    assert arts[s + "big.md"].state == "present" and arts[s + "big.md"].size == 200 * 1024 * 1024
    for name in ("big.md", "line.md"):
        result = reads[s + name]
        assert result.state == "present" and result.truncated and result.reason.startswith("truncated: showing the first")
        assert 0 < len(result.text.encode("utf-8")) <= DEFAULT_MAX_BYTES
    assert (arts[s + "zeros.md"].state, arts[s + "zeros.md"].reason) == ("refused", BINARY)
    notes = [p for p in arts if p.startswith(f"{EPIC_DIR}/50-note-")]
    assert 0 < len(notes) <= FOLDER_CAP
    cap = arts[f"note:{EPIC_DIR}"]
    assert cap.label == "folder limit reached" and f"more files in {EPIC_DIR} are not listed (limit {FOLDER_CAP})" in cap.reason
    start = time.monotonic()
    code, data, output = _check(capsys, _proj)
    assert code == 1 and time.monotonic() - start < HANG and len(output) < 2_000_000
    assert {a["path"] for a in data["artifacts"]} == set(arts)


def _encodings(stories: Path) -> dict[str, bytes]:
    files = {
        "png.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        "nul.md": b"# Looks like text\n" + b"a" * 3000 + b"\x00" + b"more text\n",
        "bad-utf8.md": b"caf\xe9 \xff\xfe \xc3\x28 end\n",
        "utf16le.md": b"\xff\xfe" + "Grüße UTF-16\n".encode("utf-16-le"),
        "utf16be.md": b"\xfe\xff" + "Grüße UTF-16\n".encode("utf-16-be"),
        "latin1.md": "Café Menü\n".encode("latin-1"),
        "gone.md": b"here for a moment\n",
    }
    for name, data in files.items():
        (stories / name).write_bytes(data)
    os.close(os.open(os.fsencode(stories) + b"/\xff-name.md", os.O_CREAT | os.O_WRONLY, 0o644))
    with open(os.fsencode(stories) + b"/\xff-name.md", "wb") as fh:
        fh.write(b"odd name\n")
    return files


def test_D7_binary_and_foreign_encodings_are_shown_safely_and_never_written(capsys, _proj):
    """Binary files get a placeholder, other encodings are decoded with replacement, a vanished file is reported alone, and no source file is written back."""
    stories = _proj / EPIC_DIR / "stories"
    _encodings(stories)
    planner = Planner.open(_proj, epic=EPIC)
    arts = {a.path: a for a in planner.project.artifacts(planner.epic)}
    (stories / "gone.md").unlink()  # disappears between listing and reading
    before = _snapshot(_proj / EPIC_DIR)
    reads = {p: planner.project.read_artifact(a) for p, a in arts.items()}
    s = f"{EPIC_DIR}/stories/"
    for name in ("png.md", "nul.md"):
        assert (arts[s + name].state, arts[s + name].reason) == ("refused", BINARY)
        assert (reads[s + name].state, reads[s + name].text) == ("refused", "")
    assert reads[s + "bad-utf8.md"].text == "caf\ufffd \ufffd\ufffd \ufffd( end\n"
    assert reads[s + "utf16le.md"].text == reads[s + "utf16be.md"].text == "Grüße UTF-16\n"
    assert reads[s + "latin1.md"].text == "Caf\ufffd Men\ufffd\n"
    assert reads[s + "gone.md"].state == "missing" and reads[s + "gone.md"].reason
    assert reads[s + "technician.md"].state == "present"  # one bad file does not stop the others
    odd = s + "\udcff-name.md"
    assert arts[odd].state == "present" and reads[odd].text == "odd name\n"
    assert _snapshot(_proj / EPIC_DIR) == before
    code, data, output = _check(capsys, _proj)
    output.encode("utf-8")  # valid UTF-8: the odd name is escaped, not written as a raw byte
    assert odd in {a["path"] for a in data["artifacts"]} and "stories/\\udcff-name.md" in output
    assert "\\xff-name.md" in output  # the text report shows the byte visibly


_READ_ALL = r"""
import json, sys
from pathlib import Path
from planner_tui.core.engine import Planner
planner = Planner.open(Path(sys.argv[1]), epic=sys.argv[2])
reads = {a.path: planner.project.read_artifact(a) for a in planner.project.artifacts(planner.epic)}
print(json.dumps({path: [read.state, read.reason] for path, read in reads.items()}))
"""


def test_D7_unreadable_file_is_reported_and_the_rest_still_loads(_proj, tmp_path):
    """A file the user may not read is reported as "permission denied" and every other artifact still
    loads. Root reads everything, so as root the project is copied to a folder the unprivileged user
    `nobody` owns, the file is made root's with no permissions, and the reading runs in a real process
    started as `nobody` by `setpriv`."""
    target = f"{EPIC_DIR}/stories/supervisor.md"
    if os.geteuid() != 0:
        planner = Planner.open(_proj, epic=EPIC)
        arts = planner.project.artifacts(planner.epic)
        (_proj / target).chmod(0)  # made unreadable after listing
        try:
            reads = {a.path: [r.state, r.reason] for a in arts for r in [planner.project.read_artifact(a)]}
        finally:
            (_proj / target).chmod(0o644)
    else:
        reads = _read_as_nobody(_proj, target, tmp_path)
    assert reads[target] == ["refused", "permission denied"]
    assert reads[f"{EPIC_DIR}/stories/technician.md"][0] == "present"


def _read_as_nobody(project: Path, target: str, tmp_path: Path) -> dict[str, list]:
    """Read every artifact of a copy of `project` as `nobody`, `target` being root's and unreadable."""
    import pwd
    import shutil
    import tempfile

    setpriv = shutil.which("setpriv")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if setpriv is None or nobody is None:
        pytest.skip("running as root without setpriv(1) or a `nobody` user: file permissions do not stop root from reading")
    # pytest's own temp folders are root's and closed to others: the copy lives where nobody can reach it.
    home = Path(tempfile.mkdtemp(prefix="planner-tui-nobody-"))
    try:
        home.chmod(0o755)
        copy = home / "proj"
        shutil.copytree(project, copy, symlinks=True)
        for path in [home, copy, *copy.rglob("*")]:
            os.lchown(path, nobody.pw_uid, nobody.pw_gid)
        os.chown(copy / target, 0, 0)
        (copy / target).chmod(0)
        env = {**_child_env(), "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.run(
            [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
             sys.executable, "-c", _READ_ALL, str(copy), EPIC],
            capture_output=True, text=True, timeout=60, env=env, cwd=home,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_D1_nothing_outside_the_project_reaches_any_command_output(_proj, _spy):
    """With every hostile link and symlink in place, no command of the command line prints or opens anything outside the project."""
    stories = _proj / EPIC_DIR / "stories"
    os.symlink(Path(os.environ["HOME"]) / ".aws" / "credentials", stories / "creds.md")
    os.symlink("../" + UP + "secret", stories / "up.md")
    links = OUTSIDE_LINKS + [str(_proj.parent / "secret"), UP + "proj-evil/secret.md", "stories/creds.md", "stories/up.md"]
    (_proj / EPIC_DIR / "07-links.md").write_text("".join(f"[x]({t})\n" for t in links), encoding="utf-8")
    outputs = []
    for args in (["check", "--json"], ["check"], ["status", "--json"], ["show"], ["render"], ["epics", "--json"]):
        proc = subprocess.run([sys.executable, "-m", "planner_tui", "--project", str(_proj), *args],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30, env=_child_env())
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        outputs += [proc.stdout, proc.stderr]
    _no_marker(*outputs)
    _spy.assert_untouched_then_live(_secrets(_proj))
