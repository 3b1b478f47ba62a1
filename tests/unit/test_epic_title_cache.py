"""The epic title cache on real folders: a listing reads a document's heading again only when it changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from planner_tui.core.epic import epics as epics_module
from planner_tui.core.epic import title_cache
from planner_tui.core.epic.epics import list_epics
from planner_tui.core.epic.title_cache import TitleCache
from planner_tui.core.storage import files

BASE = ".task-master/epics"
CACHE = Path(".planner-tui/cache/epic-titles.json")


def make_epics(root: Path, count: int = 3) -> list[str]:
    """`count` epic folders, each with a PRD whose heading names it; their project-relative paths."""
    rels = []
    for n in range(1, count + 1):
        folder = root / BASE / f"{n:03d}_epic-{n}"
        folder.mkdir(parents=True)
        (folder / "04-prd.md").write_text(f"# Epic number {n} — Product Requirements Document\n\nBody.\n", encoding="utf-8")
        rels.append(f"{BASE}/{folder.name}")
    return rels


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every folder whose documents a listing reads for a title, in order."""
    seen: list[str] = []
    real = epics_module.epic_title_from_docs

    def counting(root: Path, folder: str):
        seen.append(folder)
        return real(root, folder)

    monkeypatch.setattr(epics_module, "epic_title_from_docs", counting)
    return seen


def titles(root: Path) -> dict[str, tuple[str, str]]:
    return {e.folder: (e.title, e.title_source) for e in list_epics(root, [])}


def cached(root: Path) -> dict[str, list]:
    return json.loads((root / CACHE).read_text(encoding="utf-8"))["epics"]


def test_a_second_listing_reads_no_document_again(tmp_path, reads):
    rels = make_epics(tmp_path, 3)
    first = titles(tmp_path)
    assert sorted(reads) == rels
    reads.clear()
    assert titles(tmp_path) == first == {
        "001_epic-1": ("Epic number 1", "prd"), "002_epic-2": ("Epic number 2", "prd"), "003_epic-3": ("Epic number 3", "prd"),
    }
    assert reads == []


def test_an_unchanged_listing_does_not_rewrite_the_cache_file(tmp_path, reads, monkeypatch):
    monkeypatch.setattr(title_cache, "_RACY_NS", 0)  # folders made a moment ago count as settled
    make_epics(tmp_path, 2)
    titles(tmp_path)
    before = (tmp_path / CACHE).stat()
    titles(tmp_path)
    after = (tmp_path / CACHE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_cache_lives_under_the_state_folder_which_ignores_itself(tmp_path):
    rels = make_epics(tmp_path, 2)
    titles(tmp_path)
    assert (tmp_path / CACHE).is_file()
    assert TitleCache(tmp_path).path == tmp_path / CACHE
    assert (tmp_path / ".planner-tui" / ".gitignore").read_text(encoding="utf-8") == "*\n"
    data = json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))
    assert data["version"] == title_cache.VERSION and sorted(data["epics"]) == rels
    assert data["epics"][rels[0]][1:] == ["Epic number 1", "prd"]


def test_a_prd_edited_in_place_is_read_again(tmp_path, reads):
    make_epics(tmp_path, 2)
    titles(tmp_path)
    prd = tmp_path / BASE / "002_epic-2" / "04-prd.md"
    inode = prd.stat().st_ino
    with open(prd, "r+", encoding="utf-8") as handle:  # the same file, rewritten where it is
        handle.write("# Renamed second epic\n\nBody, longer than before.\n")
    assert prd.stat().st_ino == inode
    reads.clear()
    assert titles(tmp_path)["002_epic-2"] == ("Renamed second epic", "prd")
    assert reads == [f"{BASE}/002_epic-2"]


def test_a_prd_replaced_by_another_file_of_the_same_size_is_read_again(tmp_path, reads):
    make_epics(tmp_path, 2)
    titles(tmp_path)
    prd = tmp_path / BASE / "001_epic-1" / "04-prd.md"
    old = prd.stat()
    new = prd.with_name("04-prd.md.tmp")
    new.write_text(prd.read_text(encoding="utf-8").replace("number 1", "NUMBER 1"), encoding="utf-8")
    os.utime(new, ns=(old.st_atime_ns, old.st_mtime_ns))  # what an editor that keeps the time leaves
    os.replace(new, prd)  # how editors and git save: a new file renamed over the old one
    assert prd.stat().st_size == old.st_size and prd.stat().st_mtime_ns == old.st_mtime_ns
    reads.clear()
    assert titles(tmp_path)["001_epic-1"] == ("Epic NUMBER 1", "prd")
    assert reads == [f"{BASE}/001_epic-1"]


def test_a_removed_prd_falls_back_to_the_idea_then_the_slug(tmp_path, reads):
    make_epics(tmp_path, 1)
    folder = tmp_path / BASE / "001_epic-1"
    (folder / "02-idea.md").write_text("# The idea behind it\n", encoding="utf-8")
    assert titles(tmp_path)["001_epic-1"] == ("Epic number 1", "prd")
    (folder / "04-prd.md").unlink()
    assert titles(tmp_path)["001_epic-1"] == ("The idea behind it", "idea")
    (folder / "02-idea.md").unlink()
    reads.clear()
    assert titles(tmp_path)["001_epic-1"] == ("Epic 1", "slug")
    assert reads == [f"{BASE}/001_epic-1"]
    assert len(cached(tmp_path)[f"{BASE}/001_epic-1"]) == 1  # the key alone: no title


def test_a_folder_name_that_is_not_utf8_is_remembered_too(tmp_path, reads):
    make_epics(tmp_path, 1)
    odd = os.fsdecode(b"002_caf\xe9")  # a Latin-1 name: Python holds the byte as a lone surrogate
    (tmp_path / BASE / odd).mkdir()
    (tmp_path / BASE / odd / "04-prd.md").write_text("# Caf\u00e9 epic\n", encoding="utf-8")
    first = titles(tmp_path)
    assert first[odd] == ("Café epic", "prd")
    reads.clear()
    assert titles(tmp_path) == first and reads == []


def test_removed_folders_drop_out_of_the_cache_file(tmp_path):
    rels = make_epics(tmp_path, 3)
    titles(tmp_path)
    assert sorted(cached(tmp_path)) == rels
    shutil.rmtree(tmp_path / rels[1])
    assert set(titles(tmp_path)) == {"001_epic-1", "003_epic-3"}
    assert sorted(cached(tmp_path)) == [rels[0], rels[2]]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json at all",
        b"\xff\xfe\x00binary",
        b"[]",
        b'{"version": 1, "epics": []}',
        b'{"version": 1}',
    ],
    ids=["corrupt", "binary", "not-an-object", "epics-not-an-object", "no-epics"],
)
def test_a_corrupt_cache_file_is_ignored_and_replaced(tmp_path, reads, content):
    rels = make_epics(tmp_path, 2)
    (tmp_path / CACHE).parent.mkdir(parents=True)
    (tmp_path / CACHE).write_bytes(content)
    assert titles(tmp_path) == {"001_epic-1": ("Epic number 1", "prd"), "002_epic-2": ("Epic number 2", "prd")}
    assert sorted(reads) == rels
    assert sorted(cached(tmp_path)) == rels


def test_a_cache_file_of_another_version_is_ignored_even_when_its_keys_match(tmp_path, reads):
    rels = make_epics(tmp_path, 2)
    titles(tmp_path)
    data = json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))
    for entry in data["epics"].values():
        entry[1:] = ["A title from another version", "prd"]  # keys still match the documents
    (tmp_path / CACHE).write_text(json.dumps({**data, "version": title_cache.VERSION + 1}), encoding="utf-8")
    reads.clear()
    assert {t for t, _ in titles(tmp_path).values()} == {"Epic number 1", "Epic number 2"}
    assert sorted(reads) == rels


def test_malformed_entries_are_read_again(tmp_path, reads):
    rels = make_epics(tmp_path, 2)
    (tmp_path / CACHE).parent.mkdir(parents=True)
    keys = {rel: title_cache._key([(tmp_path / rel / "04-prd.md").stat(), None]) for rel in rels}
    junk = {rels[0]: [keys[rels[0]], "", "prd"], rels[1]: [keys[rels[1]], "Title", "nonsense"]}
    (tmp_path / CACHE).write_text(json.dumps({"version": title_cache.VERSION, "epics": junk}), encoding="utf-8")
    assert titles(tmp_path)["001_epic-1"] == ("Epic number 1", "prd")
    assert sorted(reads) == rels


def _cache_is_a_file(root: Path, monkeypatch) -> None:
    (root / ".planner-tui").mkdir()
    (root / ".planner-tui" / "cache").write_text("not a folder", encoding="utf-8")


def _writes_refused(root: Path, monkeypatch) -> None:
    def refuse(path, data, **_):
        raise PermissionError(13, "Read-only file system", str(path))

    monkeypatch.setattr(files, "atomic_write", refuse)  # the one atomic write every state file goes through


def _read_only_mode(root: Path, monkeypatch) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder; the other cases refuse the write another way")
    (root / ".planner-tui").mkdir(mode=0o500)


@pytest.mark.parametrize("make_read_only", [_cache_is_a_file, _writes_refused, _read_only_mode], ids=["cache-is-a-file", "write-refused", "mode-0500"])
def test_a_read_only_state_folder_still_lists_epics(tmp_path, monkeypatch, reads, make_read_only):
    rels = make_epics(tmp_path, 2)
    make_read_only(tmp_path, monkeypatch)
    try:
        for _ in range(2):  # each listing reads the documents, since nothing could be remembered
            reads.clear()
            assert titles(tmp_path) == {"001_epic-1": ("Epic number 1", "prd"), "002_epic-2": ("Epic number 2", "prd")}
            assert sorted(reads) == rels
        assert not (tmp_path / CACHE).exists()
    finally:
        if (tmp_path / ".planner-tui").is_dir():
            os.chmod(tmp_path / ".planner-tui", 0o700)  # so tmp_path can be removed


def test_a_title_from_the_epic_task_reads_no_document_and_is_not_cached(tmp_path, reads):
    rels = make_epics(tmp_path, 2)
    tasks_file = tmp_path / ".taskmaster" / "tasks" / "tasks.json"
    tasks_file.parent.mkdir(parents=True)
    details = f"Artifacts:\n1. {rels[0]}/\n2. {rels[0]}/04-prd.md"
    task = {"id": 1, "title": "EPIC: From the task", "description": "", "details": details, "status": "pending", "subtasks": []}
    tasks_file.write_text(json.dumps({"master": {"tasks": [task]}}), encoding="utf-8")
    found = {e.folder: (e.title, e.title_source) for e in list_epics(tmp_path)}
    assert found["001_epic-1"] == ("From the task", "task")
    assert reads == [rels[1]]
    assert sorted(cached(tmp_path)) == [rels[1]]


# --------------------------------------------------------------------------- names in folders


@pytest.fixture
def listed(monkeypatch) -> list[str]:
    """Every folder whose names a listing reads (os.scandir under an epics folder)."""
    seen: list[str] = []
    real = os.scandir

    def counting(path):
        if f"{BASE}/" in str(path):  # an epic's folder or one inside it, not the epics folder itself
            seen.append(str(path).split(f"{BASE}/", 1)[1])
        return real(path)

    monkeypatch.setattr(epics_module.os, "scandir", counting)
    return seen


def settle(root: Path, monkeypatch) -> None:
    """Folders made a moment ago count as settled (as after the file system's clock ticked on)."""
    monkeypatch.setattr(title_cache, "_RACY_NS", 0)


def newest(root: Path) -> dict[str, float]:
    return {e.folder: e.mtime for e in list_epics(root, [])}


def test_a_second_listing_reads_no_folder_again_only_the_status_of_what_is_in_it(tmp_path, listed, monkeypatch):
    settle(tmp_path, monkeypatch)
    make_epics(tmp_path, 3)
    (tmp_path / BASE / "002_epic-2" / "stories").mkdir()
    (tmp_path / BASE / "002_epic-2" / "stories" / "s1.md").write_text("story", encoding="utf-8")
    first = newest(tmp_path)
    assert sorted(listed) == ["001_epic-1", "002_epic-2", "002_epic-2/stories", "003_epic-3"]
    listed.clear()
    assert newest(tmp_path) == first and listed == []
    data = json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))
    assert set(data["dirs"][f"{BASE}/002_epic-2"][1:]) == {"04-prd.md", "stories"}


def test_the_newest_change_inside_a_folder_is_seen_through_the_remembered_names(tmp_path, listed, monkeypatch):
    settle(tmp_path, monkeypatch)
    make_epics(tmp_path, 2)
    story = tmp_path / BASE / "001_epic-1" / "stories" / "s1.md"
    story.parent.mkdir()
    story.write_text("story", encoding="utf-8")
    for path in (story, story.parent, story.parent.parent, *(tmp_path / BASE / "001_epic-1").iterdir()):
        os.utime(path, (1_000, 1_000))
    assert newest(tmp_path)["001_epic-1"] == 1_000
    listed.clear()
    os.utime(story, (5_000, 5_000))  # edited in place: no folder's names change
    assert newest(tmp_path)["001_epic-1"] == 5_000
    assert listed == []  # the names were remembered; only their status was asked again
    (story.parent / "s2.md").write_text("another", encoding="utf-8")  # a new name: that folder is read again
    found = newest(tmp_path)
    assert found["001_epic-1"] == (story.parent / "s2.md").stat().st_mtime
    assert listed == ["001_epic-1/stories"]


@pytest.mark.parametrize("remembered", [False, True], ids=["folder-just-made", "folder-names-remembered"])
def test_a_prd_added_later_names_the_epic(tmp_path, reads, monkeypatch, remembered):
    """A PRD written into a folder listed before, titled by its slug, gives the epic its title; also
    when the folder's names were remembered (settled), so the listing only asked their status."""
    if remembered:
        settle(tmp_path, monkeypatch)
    folder = tmp_path / BASE / "005_later"
    folder.mkdir(parents=True)
    assert titles(tmp_path)["005_later"] == ("Later", "slug")
    (folder / "04-prd.md").write_text("# Named at last\n", encoding="utf-8")
    assert titles(tmp_path)["005_later"] == ("Named at last", "prd")


def test_a_folder_changed_just_before_a_listing_is_read_again(tmp_path, listed):
    make_epics(tmp_path, 2)  # made now: within the clock's tick of the listing, its names may still change unseen
    titles(tmp_path)
    listed.clear()
    titles(tmp_path)
    assert sorted(listed) == ["001_epic-1", "002_epic-2"]


def test_remembered_names_that_leave_their_folder_are_not_followed(tmp_path, listed, monkeypatch):
    settle(tmp_path, monkeypatch)
    rels = make_epics(tmp_path, 1)
    titles(tmp_path)
    data = json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))
    data["dirs"][rels[0]] = [data["dirs"][rels[0]][0], "../../../outside"]
    (tmp_path / CACHE).write_text(json.dumps(data), encoding="utf-8")
    listed.clear()
    assert titles(tmp_path)["001_epic-1"] == ("Epic number 1", "prd")
    assert listed == ["001_epic-1"]  # the tampered names were ignored and the folder read
