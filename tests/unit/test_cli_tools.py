"""The command line for revising, citing, stale entries, contradictions, search, roles, batches and export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from planner_tui.cli.main import main
from planner_tui.demo import make_demo

OFFLINE = "004_offline-sync"
PHOTOS = "009_photo-annotations"
OFFLINE_PLAN = f".task-master/epics/{OFFLINE}/roles/03-backend.md"
PRD = f".task-master/epics/{PHOTOS}/04-prd.md"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A git copy of the demo, with a git identity of its own in a temporary HOME (libgit2 reads HOME)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Ada Planner\n\temail = ada@example.test\n[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.delenv("PLANNER_TUI_AUTHOR", raising=False)
    return make_demo(tmp_path / "fieldnote")


def run(capsys, project: Path, *args: str, epic: str = PHOTOS) -> tuple[int, str, str]:
    code = main(["--project", str(project), "--epic", epic, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def test_revise_the_committed_plan_and_commit_only_what_changed(capsys, project):
    committed = (project / OFFLINE_PLAN).read_text(encoding="utf-8")
    code, out, _ = run(capsys, project, "render", epic=OFFLINE)
    assert code == 0 and out == committed
    code, out, _ = run(capsys, project, "diff", epic=OFFLINE)
    assert code == 0 and out == f"{OFFLINE_PLAN} against the committed version: no changes.\n"
    code, out, _ = run(capsys, project, "show", "observability", "--json", epic=OFFLINE)
    sentry = json.loads(out)[0]["entries"][0]
    assert json.loads(out)[0]["state"] == "confirmed" and sentry["text"].startswith("Sentry context")

    assert run(capsys, project, "edit", sentry["id"], "Sentry context: device id, batch uuid (never note text)", epic=OFFLINE)[0] == 0
    code, out, _ = run(capsys, project, "diff", epic=OFFLINE)
    assert "1 section changed" in out and "## Observability [changed]" in out
    assert "-- Sentry context: device id, batch uuid, change count (never note text)" in out
    assert "+- Sentry context: device id, batch uuid (never note text)" in out
    code, data, _ = run(capsys, project, "diff", "--json", epic=OFFLINE)
    changed = [s["heading"] for s in json.loads(data)["sections"] if s["status"] != "unchanged"]
    assert changed == ["Observability"]

    head = git(project, "rev-parse", "HEAD")
    code, out, err = run(capsys, project, "commit", epic=OFFLINE)  # imported to revise it, still a committed plan replaced
    assert code == 1 and out == "" and "would be replaced; approve it with commit --yes" in err
    assert git(project, "rev-parse", "HEAD") == head
    code, out, err = run(capsys, project, "commit", "--yes", epic=OFFLINE)
    assert code == 0, err
    assert out == f"The Backend role path is {OFFLINE_PLAN}\n"
    assert git(project, "rev-parse", "HEAD^") == head
    assert git(project, "show", "--numstat", "--format=", "HEAD").split() == ["1", "1", OFFLINE_PLAN]


def test_a_plan_changed_by_someone_else_after_the_import_needs_yes(capsys, project):
    assert run(capsys, project, "status", epic=OFFLINE)[0] == 0  # opening imports the plan
    plan = project / OFFLINE_PLAN
    plan.write_text(plan.read_text(encoding="utf-8").replace("3 tries", "4 tries"), encoding="utf-8")
    git(project, "commit", "-qam", "A colleague's fix")
    assert run(capsys, project, "add", "events", "note", "Retries to be reviewed", epic=OFFLINE)[0] == 0
    code, out, err = run(capsys, project, "commit", epic=OFFLINE)
    assert code == 1 and "would be overwritten" in err
    assert run(capsys, project, "commit", "--yes", epic=OFFLINE)[0] == 0


def test_citations_are_checked_stored_with_line_and_go_stale(capsys, project):
    code, out, err = run(capsys, project, "add", "1", "decision", "A note holds at most 12 photos", "--cite", f"{PRD}:3")
    assert code == 0, err
    entry = out.strip()
    code, out, err = run(capsys, project, "add", "1", "decision", "x", "--cite", "../secrets.md")
    assert code == 1 and err == "planner-tui: Cannot cite ../secrets.md: outside the project (not followed).\n"
    code, out, err = run(capsys, project, "add", "1", "decision", "x", "--cite", f"{PRD}:999")
    assert code == 1 and "the file has" in err

    data = json.loads(run(capsys, project, "status", "--json")[1])
    [cite] = data["topics"][0]["citations"]
    assert (cite["entry"], cite["path"], cite["line"], cite["stale"]) == (entry, PRD, 3, False)
    assert len(cite["sha256"]) == 64

    with (project / PRD).open("a", encoding="utf-8") as fh:
        fh.write("\nA late requirement.\n")
    code, out, _ = run(capsys, project, "status")
    assert code == 1 and "1 stale" in out and f"planner-tui reconfirm {entry}" in out
    code, out, _ = run(capsys, project, "show", "1")
    assert f"cites {PRD}:3" in out and f"STALE: {PRD} changed since it was cited" in out
    code, _, err = run(capsys, project, "commit")
    assert code == 1 and f"Entry {entry}" in err and "changed since it was cited" in err

    code, _, err = run(capsys, project, "reconfirm", entry)
    assert code == 0 and f"Re-confirmed {entry}." in err
    data = json.loads(run(capsys, project, "status", "--json")[1])
    assert data["topics"][0]["stale"] == [] and not [b for b in data["blockers"] if b["kind"] == "stale"]


def test_contradictions_with_the_devops_and_architect_plans(capsys, project):
    entry = run(capsys, project, "add", "5", "decision", "RenderAnnotatedPhoto runs on the `render` queue")[1].strip()
    run(capsys, project, "add", "5", "decision", "ProcessUploadedPhoto on the `media` queue")
    code, out, _ = run(capsys, project, "status", "--json")
    questions = [b for b in json.loads(out)["blockers"] if b["kind"] == "question"]
    assert len(questions) == 1 and questions[0]["entry"] == entry
    assert "`render`" in questions[0]["message"] and "roles/01-devops.md:16 defines `renders`" in questions[0]["message"]
    code, out, _ = run(capsys, project, "show", "5")
    assert "DIFFERS:" in out and "`renders`" in out
    assert run(capsys, project, "reconfirm", entry)[0] == 0
    code, out, _ = run(capsys, project, "status", "--json")
    assert not [b for b in json.loads(out)["blockers"] if b["kind"] == "question"]


def test_search_prints_path_line_text(capsys, project):
    entry = run(capsys, project, "add", "2", "decision", "Photos come in pages of 24 thumbnails")[1].strip()
    code, out, _ = run(capsys, project, "search", "THUMBNAILS")
    lines = out.splitlines()
    assert code == 0
    assert f"session:api-surface#{entry}:1: Photos come in pages of 24 thumbnails" in lines
    assert any(line.startswith(f".task-master/epics/{PHOTOS}/roles/01-devops.md:") for line in lines)
    assert f".task-master/epics/{PHOTOS}/roles/03-backend.md:6: - Photos come in pages of 24 thumbnails" in lines
    code, out, _ = run(capsys, project, "search", "thumbnails", "--json", "--limit", "2")
    hits = json.loads(out)
    assert len(hits) == 2 and set(hits[0]) == {"path", "line", "text", "kind"}
    code, out, err = run(capsys, project, "search", "no-such-words-anywhere")
    assert code == 1 and out == "" and err.startswith("planner-tui: no match for")


def test_roles_status_in_check_and_each_role_keeps_its_own_session(capsys, project):
    assert run(capsys, project, "add", "1", "decision", "Annotations load with their photo", "--role", "frontend")[0] == 0
    code, out, _ = run(capsys, project, "check", "--json")
    roles = {r["key"]: (r["name"], r["state"]) for r in json.loads(out)["roles"]}
    assert roles == {
        "01-devops": ("DevOps", "committed"),
        "02-architect": ("Architect", "committed"),
        "03-backend": ("Backend", "not started"),
        "04-frontend": ("Frontend", "in discussion"),
        "05-test": ("Test", "not started"),
        "06-lead": ("Lead", "not started"),
    }
    sessions = project / ".planner-tui" / "sessions" / PHOTOS
    assert sorted(p.name for p in sessions.glob("*.json")) == ["04-frontend.json"]
    backend = json.loads(run(capsys, project, "status", "--json")[1])
    assert all(t["entries"] == 0 for t in backend["topics"])
    code, out, _ = run(capsys, project, "check")
    assert "04-frontend Frontend: in discussion" in out


def test_questions_and_answer_batch(capsys, project):
    ids = [run(capsys, project, "add", "2", "question", q)[1].strip() for q in ("Cursor or pages?", "Page size?", "Include deleted photos?")]
    code, out, _ = run(capsys, project, "questions", "2")
    assert out.splitlines() == [f"#1 Cursor or pages?  [{ids[0]}]", f"#2 Page size?  [{ids[1]}]", f"#3 Include deleted photos?  [{ids[2]}]"]
    code, out, err = run(capsys, project, "answer-batch", "2", "2: 25\n5: nope")
    assert code == 1 and "there is no question #5; nothing was answered" in err
    assert len(json.loads(run(capsys, project, "questions", "2", "--json")[1])) == 3
    code, out, err = run(capsys, project, "answer-batch", "2", "1: cursor pagination, 25 per page\n#3 no")
    assert code == 0, err
    assert len(out.split()) == 2 and "Answered 2 open questions of topic 2." in err
    code, out, _ = run(capsys, project, "questions", "2")
    assert out == f"#2 Page size?  [{ids[1]}]\n"  # its number from the thread, kept
    code, out, err = run(capsys, project, "answer-batch", "2", "#2 25")
    assert code == 0 and "Answered 1 open question of topic 2." in err


def test_export_markdown_and_json(capsys, project, tmp_path):
    q = run(capsys, project, "add", "2", "question", "Cursor or pages?")[1].strip()
    run(capsys, project, "answer", q, "Cursor")
    decision = run(capsys, project, "add", "2", "decision", "Photos are listed with cursor pagination", "--cite", f"{PRD}:3")[1].strip()
    code, out, _ = run(capsys, project, "export")
    assert code == 0 and out.startswith("# Decision log — Photo Annotations (Backend)\n")
    assert f"### {decision} — " in out and f"- Cites: `{PRD}:3`" in out and "Cursor or pages?" in out
    target = tmp_path / "log.json"
    code, out, err = run(capsys, project, "export", "--format", "json", "--output", str(target))
    assert code == 0 and out == "" and "2 decisions" in err
    log = json.loads(target.read_text(encoding="utf-8"))
    # The answered question is a decision of its topic, with the question it settles.
    answered, entry = log["decisions"]
    assert answered["text"] == "Cursor" and answered["settled"][0]["question"]["id"] == q
    assert entry["id"] == decision and entry["topic"]["id"] == "api-surface" and entry["author"] == "agent"
    assert entry["citations"][0]["line"] == 3 and entry["settled"] == []
    assert log["plan_path"] == f".task-master/epics/{PHOTOS}/roles/03-backend.md"
