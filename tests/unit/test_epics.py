"""Tests for reading epic tasks and epic folders, and choosing an epic, on real temp projects."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner_tui.core.epic import epics as epics_module
from planner_tui.core.epic.named import find_named_epic
from planner_tui.core.errors import ProjectError
from planner_tui.core.epic.epics import (
    choose_epic,
    epic_title_from_docs,
    find_epic,
    list_epics,
    load_epic_tasks,
    parse_artifact_list,
)
from planner_tui.core.models import Epic


def epic_task(task_id: int, title: str, folder: str | None = None, **extra: object) -> dict[str, object]:
    details = ""
    if folder:
        base = f".task-master/epics/{folder}"
        details = f"Artifacts:\n1. {base}/\n2. {base}/01-discuss.md\n3. {base}/04-prd.md"
    return {
        "id": task_id,
        "title": f"EPIC: {title}",
        "description": f"{title} for members.",
        "details": details,
        "status": "deferred",
        "subtasks": [],
        **extra,
    }


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def make_folder(root: Path, rel: str, files: dict[str, str] | None = None) -> Path:
    folder = root / rel
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


TASKS = ".taskmaster/tasks/tasks.json"


# --------------------------------------------------------------------------- tasks


def test_tagged_tasks_json(tmp_path: Path) -> None:
    write_json(
        tmp_path / TASKS,
        {
            "epics": {
                "tasks": [
                    epic_task(7, "Saved Searches", "007_saved-searches"),
                    {"id": 8, "title": "Add index to products", "details": "1. app/Models/Product.php"},
                    epic_task(12, "Team Invitations", "012_team-invitations",
                              subtasks=[{"id": 1, "title": "EPIC: not an epic, a subtask"}]),
                ],
                "metadata": {"created": "2025-10-26T14:02:11.000Z"},
            },
            "master": {"tasks": [], "metadata": {}},
        },
    )
    tasks = load_epic_tasks(tmp_path)
    assert [(t.id, t.title, t.tag, t.source) for t in tasks] == [
        (7, "Saved Searches", "epics", TASKS),
        (12, "Team Invitations", "epics", TASKS),
    ]
    assert tasks[0].artifacts == [
        ".task-master/epics/007_saved-searches/",
        ".task-master/epics/007_saved-searches/01-discuss.md",
        ".task-master/epics/007_saved-searches/04-prd.md",
    ]
    assert tasks[1].description == "Team Invitations for members."


def test_legacy_tasks_json_and_epics_json_shapes(tmp_path: Path) -> None:
    write_json(tmp_path / TASKS, {"tasks": [epic_task(3, "Billing", "003_billing")]})
    write_json(tmp_path / "epics.json", [epic_task("21", "Audit Log"), {"title": "EPIC: no id"}])
    tasks = load_epic_tasks(tmp_path)
    assert [(t.id, t.title, t.tag, t.source) for t in tasks] == [
        (3, "Billing", None, TASKS),
        (21, "Audit Log", None, "epics.json"),
    ]
    write_json(tmp_path / "epics.json", {"epics": {"tasks": [epic_task(22, "Exports")]}})
    assert [t.id for t in load_epic_tasks(tmp_path)] == [3, 22]


def test_invalid_json_is_skipped_without_a_crash(tmp_path: Path) -> None:
    (tmp_path / TASKS).parent.mkdir(parents=True)
    (tmp_path / TASKS).write_text('{"epics": {"tasks": [', encoding="utf-8")
    write_json(tmp_path / "epics.json", {"tasks": [epic_task(5, "Webhooks")]})
    assert [t.title for t in load_epic_tasks(tmp_path)] == ["Webhooks"]
    (tmp_path / "epics.json").write_text("[" * 100_000, encoding="utf-8")  # too deep for json
    assert load_epic_tasks(tmp_path) == []
    write_json(tmp_path / "epics.json", {"tasks": "not a list", "x": 3})
    assert load_epic_tasks(tmp_path) == []


def test_no_task_files_means_no_tasks(tmp_path: Path) -> None:
    assert load_epic_tasks(tmp_path) == []


def test_artifact_list_is_read_loosely() -> None:
    details = (
        "Artifacts:\n"
        "1. `.task-master/epics/012_x/`\n"
        "2) .task-master/epics/012_x/01-discuss.md.\n"
        "- PRD: `.task-master/epics/012_x/04-prd.md`\n"
        "* Stories: .task-master/epics/012_x/05-stories.md\n"
        "+ [diagram](.task-master/epics/012_x/diagrams/flow.mmd)\n"
        "3. Talk to the design team about it\n"
        "- README.md\n"
        "Some prose with 1. a path inside: no.\n"
        "4. .task-master/epics/012_x/01-discuss.md\n"
    )
    assert parse_artifact_list(details) == [
        ".task-master/epics/012_x/",
        ".task-master/epics/012_x/01-discuss.md",
        ".task-master/epics/012_x/04-prd.md",
        ".task-master/epics/012_x/05-stories.md",
        ".task-master/epics/012_x/diagrams/flow.mmd",
        "README.md",
    ]


# --------------------------------------------------------------------------- folders


def test_list_epics_from_both_roots_with_titles_from_task_docs_and_slug(tmp_path: Path) -> None:
    write_json(tmp_path / TASKS, {"epics": {"tasks": [epic_task(7, "Saved Searches", "007_saved-searches")]}})
    make_folder(tmp_path, ".task-master/epics/007_saved-searches", {
        "04-prd.md": "# Something Else — Product Requirements Document\n",
        "roles/01-devops.md": "# DevOps\n",
        "roles/02-architect.md": "# Architect\n",
        "roles/notes.txt": "not a role",
        "roles/draft.md": "not numbered",
    })
    make_folder(tmp_path, ".task-master/epics/012_team-invitations", {
        "02-idea.md": "---\ntitle: x\n---\n```\n# not this\n```\n# Team Invitations — Idea\n",
        "04-prd.md": "No heading at all.\n",
    })
    make_folder(tmp_path, ".taskmaster/epics/1000_big-epic", {"04-prd.md": "# PRD: Big Epic\n"})
    make_folder(tmp_path, ".taskmaster/epics/audit-log")
    make_folder(tmp_path, ".task-master/epics/.hidden")
    (tmp_path / ".task-master/epics/stray.md").write_text("a file, not an epic", encoding="utf-8")

    epics = list_epics(tmp_path)
    summary = [(e.id, e.folder, e.slug, e.title, e.title_source, e.path) for e in epics]
    assert summary == [
        (7, "007_saved-searches", "saved-searches", "Saved Searches", "task", ".task-master/epics/007_saved-searches"),
        (12, "012_team-invitations", "team-invitations", "Team Invitations", "idea", ".task-master/epics/012_team-invitations"),
        (1000, "1000_big-epic", "big-epic", "Big Epic", "prd", ".taskmaster/epics/1000_big-epic"),
        (None, "audit-log", "audit-log", "Audit Log", "slug", ".taskmaster/epics/audit-log"),
    ]
    assert epics[0].roles == ["01-devops", "02-architect"]
    assert epics[0].task is not None and epics[0].task.id == 7
    assert epics[1].task is None


def test_title_from_docs_strips_document_suffixes(tmp_path: Path) -> None:
    folder = ".task-master/epics/003_billing"
    make_folder(tmp_path, folder, {"04-prd.md": "# **Billing** - PRD\n"})
    assert epic_title_from_docs(tmp_path, folder) == ("Billing", "prd")
    (tmp_path / folder / "04-prd.md").write_text("# Billing Portal (Product Requirements Document) #\n", encoding="utf-8")
    assert epic_title_from_docs(tmp_path, folder) == ("Billing Portal", "prd")
    (tmp_path / folder / "04-prd.md").unlink()
    assert epic_title_from_docs(tmp_path, folder) is None


def test_task_is_matched_by_folder_in_its_artifacts(tmp_path: Path) -> None:
    write_json(tmp_path / "epics.json", [
        epic_task(40, "Renamed Epic", "012_team-invitations"),
        epic_task(9, "Wrong Folder Task", "009_other"),
    ])
    make_folder(tmp_path, ".task-master/epics/012_team-invitations")
    make_folder(tmp_path, ".task-master/epics/009_nine")
    make_folder(tmp_path, ".task-master/epics/009_other")
    by_folder = {e.folder: e for e in list_epics(tmp_path)}
    assert by_folder["012_team-invitations"].title == "Renamed Epic"
    # task 9 points at 009_other, so the other folder with id 9 does not borrow its title
    assert by_folder["009_other"].title == "Wrong Folder Task"
    assert by_folder["009_nine"].title_source == "slug"


def test_mtime_is_the_newest_inside_the_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ".task-master/epics/001_a", {"01-discuss.md": "x", "stories/s.md": "y"})
    for path in (folder, folder / "01-discuss.md", folder / "stories", folder / "stories" / "s.md"):
        os.utime(path, (1_000, 1_000))
    os.utime(folder / "stories" / "s.md", (5_000, 5_000))
    assert list_epics(tmp_path)[0].mtime == 5_000


def test_reading_never_writes_outside_the_state_folder(tmp_path: Path) -> None:
    """The project's own files stay as they were; what a listing remembers goes under `.planner-tui/`."""
    write_json(tmp_path / TASKS, {"epics": {"tasks": [epic_task(7, "Saved Searches", "007_saved-searches")]}})
    make_folder(tmp_path, ".task-master/epics/007_saved-searches", {"04-prd.md": "# Saved Searches\n"})

    def files() -> dict[Path, tuple[bytes, int]]:
        found = (p for p in tmp_path.rglob("*") if p.is_file() and ".planner-tui" not in p.relative_to(tmp_path).parts)
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in found}

    before = files()
    list_epics(tmp_path)
    load_epic_tasks(tmp_path)
    assert files() == before


# --------------------------------------------------------------------------- choosing


def epic(folder: str, mtime: float, base: str = ".task-master/epics", title: str | None = None) -> Epic:
    head, _, slug = folder.partition("_")
    ident = int(head) if head.isdigit() and slug else None
    slug = slug if ident is not None else folder
    return Epic(folder=folder, path=f"{base}/{folder}", id=ident, slug=slug, title=title or slug.title(), mtime=mtime)


EPICS = [epic("007_saved-searches", 200.0), epic("012_team-invitations", 100.0), epic("audit-log", 50.0)]


@pytest.mark.parametrize(
    ("ref", "folder"),
    [
        ("12", "012_team-invitations"),
        ("012", "012_team-invitations"),
        ("7", "007_saved-searches"),
        ("team-invitations", "012_team-invitations"),
        ("012_team-invitations", "012_team-invitations"),
        (".task-master/epics/012_team-invitations/", "012_team-invitations"),
        ("audit-log", "audit-log"),
        ("team", "012_team-invitations"),
        ("Saved-Searches", "007_saved-searches"),
    ],
)
def test_choose_epic_by_reference(ref: str, folder: str) -> None:
    assert choose_epic(EPICS, ref).folder == folder


def test_choose_without_reference_takes_the_only_or_the_newest() -> None:
    assert choose_epic(EPICS[1:2], None).folder == "012_team-invitations"
    assert choose_epic(EPICS, None).folder == "007_saved-searches"
    newer = [*EPICS, epic("013_exports", 900.0)]
    assert choose_epic(newer, "").folder == "013_exports"


def test_choose_unknown_or_none_names_the_choices() -> None:
    with pytest.raises(ProjectError) as caught:
        choose_epic(EPICS, "99")
    assert "007_saved-searches" in str(caught.value) and "audit-log" in str(caught.value)
    with pytest.raises(ProjectError, match="no epic folders"):
        choose_epic([], None)


def test_choose_ambiguous_names_both() -> None:
    twins = [epic("012_team-invitations", 1.0), epic("012_team-invitations", 2.0, ".taskmaster/epics")]
    with pytest.raises(ProjectError, match="ambiguous") as caught:
        choose_epic(twins, "12")
    assert ".taskmaster/epics/012_team-invitations" in str(caught.value)
    assert choose_epic(twins, ".taskmaster/epics/012_team-invitations").path.startswith(".taskmaster")
    with pytest.raises(ProjectError, match="ambiguous"):
        choose_epic([epic("001_team-a", 1.0), epic("002_team-b", 1.0)], "team")


# --------------------------------------------------------------------------- one epic among many


@pytest.fixture
def touched(monkeypatch) -> dict[str, list[str]]:
    """The folders find_epic walks and the folders whose documents it reads, as they happen."""
    seen: dict[str, list[str]] = {"walked": [], "read": []}
    scan, docs = epics_module._scan, epics_module.epic_title_from_docs
    monkeypatch.setattr(epics_module, "_scan", lambda folder, *rest: (seen["walked"].append(Path(folder).name), scan(folder, *rest))[1])
    monkeypatch.setattr(epics_module, "epic_title_from_docs", lambda root, rel: (seen["read"].append(rel), docs(root, rel))[1])
    return seen


def many_epics(root: Path, count: int) -> None:
    """`count` epic folders with PRDs, and one hostile folder: a FIFO for a PRD (a read would wait
    forever), thousands of nested folders, a symlink loop and a role file that cannot be read."""
    for n in range(1, count + 1):
        make_folder(root, f".task-master/epics/{n:03d}_epic-{n}", {"04-prd.md": f"# Epic {n} — PRD\n", "roles/03-backend.md": "x"})
    hostile = make_folder(root, ".task-master/epics/500_hostile", {"roles/03-backend.md": "x"})
    os.mkfifo(hostile / "04-prd.md")
    deep = hostile / "deep"
    for n in range(200):
        deep = deep / f"d{n}"
    deep.mkdir(parents=True)
    os.symlink(hostile, hostile / "loop")
    os.chmod(hostile / "roles" / "03-backend.md", 0)


@pytest.mark.parametrize("ref", ["7", "007", "epic-7", "007_epic-7", ".task-master/epics/007_epic-7"])
def test_find_epic_among_many_folders_reads_only_the_named_one(tmp_path, touched, ref):
    many_epics(tmp_path, 60)
    found = find_epic(tmp_path, ref, [])
    assert (found.folder, found.title, found.title_source, found.roles) == ("007_epic-7", "Epic 7", "prd", ["03-backend"])
    assert touched == {"walked": ["007_epic-7"], "read": [".task-master/epics/007_epic-7"]}
    assert not (tmp_path / ".planner-tui").exists()  # naming an epic writes no cache


def test_a_project_choosing_its_epic_among_many_reads_only_that_folder(tmp_path, touched):
    from planner_tui.core.project import Project

    many_epics(tmp_path, 60)
    project = Project.load(tmp_path, role=None)
    assert project.choose_epic("42").folder == "042_epic-42"
    assert touched["walked"] == ["042_epic-42"] and touched["read"] == [".task-master/epics/042_epic-42"]
    assert project.listed is None  # the list of every epic was never read


def test_an_epic_named_by_title_only_takes_the_slow_road_through_every_title(tmp_path, touched):
    many_epics(tmp_path, 5)
    assert find_epic(tmp_path, "Epic 3", []).folder == "003_epic-3"
    assert len(set(touched["walked"])) == 6  # every folder: a title is only known by reading it
    with pytest.raises(ProjectError, match="no epic 'nothing-like-it'"):
        find_epic(tmp_path, "nothing-like-it", [])


TRICKY = [
    (".task-master/epics", n) for n in (
        "007_saved-searches", "7_saved-searches", "0007_other", "012_Team-Invitations", "12_x", "audit-log",
        "AUDIT-LOG", "9", "12_9", "99_caf\u00e9", "\u0661\u0662_arabic-digits", "\u00b2_superscript", "13_", "_lead",
        "14_two_parts", "15_\u03a3igma", "16_line\nbreak",
    )
] + [(".taskmaster/epics", "012_team-invitations"), (".taskmaster/epics", "audit-log")]
REFS = [
    "7", "007", "0007", "12", "012", "9", "99", "13", "14", "16", "saved-searches", "SAVED-SEARCHES", "team-invitations",
    "audit-log", "Audit-Log", "caf\u00e9", "99_CAF\u00c9", "\u0661\u0662", "12", "arabic-digits", "superscript",
    "two_parts", "\u03c3igma", "\u03a3IGMA", ".task-master/epics/012_Team-Invitations", "./.taskmaster/epics/audit-log/",
    ".taskmaster\\epics\\012_team-invitations", "other/place/7", "nothing", "x", "", "_", "line\nbreak",
]


@pytest.mark.parametrize("ref", REFS)
def test_the_quick_test_on_folder_names_chooses_as_among_all_folders(ref: str) -> None:
    """find_epic builds records only for the folders a ref may name; the choice (or the refusal,
    word for word) is the one made among every folder."""
    def outcome(folders: list[tuple[str, str]]) -> str:
        try:
            return choose_epic([epics_module._bare_epic(*f) for f in folders], ref, titles=False).path  # type: ignore[misc]
        except ProjectError as exc:
            return f"{type(exc).__name__}: {exc}"

    among_all = outcome(TRICKY)
    quick = outcome(epics_module._candidates(TRICKY, ref))
    assert quick == among_all or (among_all.startswith("UnknownName") and quick.startswith("UnknownName"))


@pytest.mark.parametrize("ref", REFS)
def test_the_one_pattern_over_the_names_chooses_as_find_epic_or_leaves_it_to_it(tmp_path, ref: str) -> None:
    """find_named_epic (one pattern over every folder name at once) picks the epic find_epic picks,
    or says nothing and leaves the choice to it; it never picks another one."""
    for base, name in TRICKY:
        (tmp_path / base / name).mkdir(parents=True, exist_ok=True)
    (tmp_path / ".task-master/epics/.hidden_7").mkdir()
    (tmp_path / ".task-master/epics/17_a-file").write_text("not a folder", encoding="utf-8")
    try:
        expected = find_epic(tmp_path, ref, []).path
    except ProjectError:
        expected = None
    quick = find_named_epic(tmp_path, ref, []) if ref.strip() else None
    assert quick is None or quick.path == expected


def test_the_one_pattern_finds_an_epic_by_id_slug_folder_and_path(tmp_path) -> None:
    for base, name in TRICKY:
        if "\n" not in name and name.isascii():
            (tmp_path / base / name).mkdir(parents=True, exist_ok=True)
    found = {ref: find_named_epic(tmp_path, ref, []) for ref in ("7", "0007", "saved-searches", "14", "./.taskmaster/epics/audit-log/")}
    assert {ref: e.path if e else None for ref, e in found.items()} == {
        "7": None,  # 007_saved-searches and 7_saved-searches: find_epic reads their titles to choose
        "0007": None,
        "saved-searches": None,
        "14": ".task-master/epics/14_two_parts",
        "./.taskmaster/epics/audit-log/": ".taskmaster/epics/audit-log",
    }
