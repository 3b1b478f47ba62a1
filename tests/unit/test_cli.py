"""The command line on a real copy of the demo project, driven the way an agent or a script does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner_tui.cli.main import main
from planner_tui.demo import make_demo

EPIC = "009_photo-annotations"
PLAN = f".task-master/epics/{EPIC}/roles/03-backend.md"
REPLY = f"The Backend role path is {PLAN}"


@pytest.fixture
def git_env(tmp_path, monkeypatch):
    """An isolated git identity and config, as on a fresh machine with a configured user."""
    home = tmp_path / "home"
    home.mkdir()
    cfg = home / ".gitconfig"
    cfg.write_text("[user]\n\tname = Ada Planner\n\temail = ada@example.test\n[init]\n\tdefaultBranch = main\n")
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(home / ".config")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "PLANNER_TUI_AUTHOR"):
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture
def project(tmp_path, git_env) -> Path:
    return make_demo(tmp_path / "fieldnote")


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def run(capsys, project: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(project), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def make_ready(capsys, project: Path) -> None:
    """Give every topic a decision, add a risk, and confirm every topic."""
    code, out, _ = run(capsys, project, "status", "--json")
    topics = json.loads(out)["topics"]
    for topic in topics:
        assert run(capsys, project, "add", topic["id"], "decision", f"Decided for {topic['title']}")[0] == 0
    assert run(capsys, project, "add", "1", "risk", "Large photos could slow the list; thumbnails are generated on upload")[0] == 0
    for topic in topics:
        assert run(capsys, project, "confirm", str(topic["number"]))[0] == 0


def test_epics_lists_the_demo_epics_with_titles(capsys, project):
    code, out, err = run(capsys, project, "epics", "--json")
    assert code == 0, err
    epics = {e["folder"]: e for e in json.loads(out)}
    assert set(epics) >= {"004_offline-sync", EPIC}
    assert epics[EPIC]["title"] == "Photo Annotations"
    assert epics[EPIC]["roles"] == ["01-devops", "02-architect"]
    assert "03-backend" in epics["004_offline-sync"]["roles"]


def test_status_of_a_fresh_session(capsys, project):
    code, out, _ = run(capsys, project, "status", "--json")
    data = json.loads(out)
    assert code == 1 and data["ready"] is False
    assert len(data["topics"]) == 10
    first = data["topics"][0]
    assert {"id", "title", "state", "open_questions"} <= set(first)
    assert first["state"] == "not started"
    assert any(b["kind"] == "topic" for b in data["blockers"])
    assert data["plan_path"] == PLAN


def test_question_answer_drop_and_confirm(capsys, project):
    code, qid, _ = run(capsys, project, "add", "2", "question", "Cursor or offset pagination?")
    qid = qid.strip()
    assert code == 0 and qid
    data = json.loads(run(capsys, project, "status", "--json")[1])
    api = data["topics"][1]
    assert api["state"] == "discussing"
    assert [q["id"] for q in api["open_questions"]] == [qid]
    assert api["open_questions"][0]["author"] == "agent"

    code, _, err = run(capsys, project, "confirm", "2")
    assert code == 1 and "open" in err and "Traceback" not in err and err.count("\n") == 1

    code, aid, _ = run(capsys, project, "answer", qid, "Cursor pagination, 25 per page", "--as", "person")
    assert code == 0 and aid.strip() and aid.strip() != qid
    code, q2, _ = run(capsys, project, "add", "api-surface", "question", "Do we need an export endpoint?")
    assert run(capsys, project, "drop", q2.strip(), "Out of scope per the PRD")[0] == 0
    assert run(capsys, project, "confirm", "api-surface")[0] == 0
    data = json.loads(run(capsys, project, "status", "--json")[1])
    assert data["topics"][1]["state"] == "confirmed"
    assert data["topics"][1]["open_questions"] == []
    thread = json.loads(run(capsys, project, "show", "2", "--json")[1])[0]
    kinds = [(e["kind"], e.get("status"), e["author"]) for e in thread["entries"]]
    assert kinds == [("question", "answered", "agent"), ("answer", None, "person"), ("question", "dropped", "agent")]


def test_errors_are_one_sentence_and_unknown_names_are_usage_errors(capsys, project):
    """An unknown topic, entry, epic, role or section is a usage error (exit 2), like a wrong option."""
    for args in (["add", "42", "decision", "x"], ["answer", "e-nothere", "x"], ["--epic", "nope", "status"],
                 ["--role", "nope", "status"], ["add", "1", "note", "x", "--section", "Nope"], ["flag", "e-nothere"]):
        code, out, err = run(capsys, project, *args)
        assert code == 2, args
        assert err.startswith("planner-tui: ") and err.count("\n") == 1 and "Traceback" not in err, err
    code, _, err = run(capsys, project, "confirm", "2")  # refused, not unknown
    assert code == 1 and err.startswith("planner-tui: ")


def test_usage_errors_are_one_planner_tui_line_with_exit_2(capsys, project):
    for args in (["add", "1", "nope", "x"], ["frobnicate"], ["search", "x", "--limit", "many"], ["add", "1"]):
        with pytest.raises(SystemExit) as exited:
            main(["--project", str(project), *args])
        err = capsys.readouterr().err
        assert exited.value.code == 2, args
        assert err.startswith("planner-tui: ") and err.count("\n") == 1 and "--help" in err, err


def test_add_help_explains_kind_and_text_and_demo_help_offers_no_project(capsys):
    with pytest.raises(SystemExit):
        main(["add", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "KIND what the entry is: question (open until answered or dropped" in text
    assert "risk (goes into the plan under Risks)" in text and "TEXT the entry's text" in text
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--project" not in capsys.readouterr().out


def test_every_change_names_the_epic_and_role_it_acted_on(capsys, project):
    code, qid, err = run(capsys, project, "add", "2", "question", "Cursor or offset?")
    assert code == 0 and err == f"planner-tui: {EPIC} (Backend): Added question {qid.strip()} to topic 2.\n"
    code, aid, err = run(capsys, project, "answer", qid.strip(), "Cursor")
    assert err == f"planner-tui: {EPIC} (Backend): Answered {qid.strip()} with {aid.strip()}.\n"
    code, _, err = run(capsys, project, "confirm", "2")
    assert code == 0 and err == f"planner-tui: {EPIC} (Backend): Confirmed topic 2.\n"


def test_commit_without_epic_refuses_while_several_epics_are_being_discussed(capsys, project):
    make_ready(capsys, project)
    head = git(project, "rev-parse", "HEAD")
    assert run(capsys, project, "--epic", "004", "add", "1", "note", "Offline first")[0] == 0
    code, out, err = run(capsys, project, "commit", "--yes")
    assert code == 2 and out == "" and git(project, "rev-parse", "HEAD") == head
    assert err.count("\n") == 1 and err.startswith("planner-tui: 2 epics have discussion not committed yet")
    assert "004_offline-sync" in err and EPIC in err and "--epic" in err
    code, out, err = run(capsys, project, "--epic", "009", "commit")
    assert code == 0 and out == REPLY + "\n" and f"planner-tui: {EPIC} (Backend): Committed" in err


def test_commit_is_refused_with_the_blockers_while_anything_blocks(capsys, project):
    head = git(project, "rev-parse", "HEAD")
    code, out, err = run(capsys, project, "commit")
    assert code == 1 and out == ""
    assert err.startswith(f"planner-tui: not ready to commit {EPIC} (Backend):") and "not confirmed" in err
    assert git(project, "rev-parse", "HEAD") == head
    assert not (project / PLAN).exists()


def test_full_flow_commits_only_the_plan_and_prints_the_reply(capsys, project):
    # The user has unrelated work staged: it must stay staged and stay out of the commit.
    (project / "secret.env").write_text("TOKEN_NAME=SENTRY_DSN\n")
    git(project, "add", "secret.env")
    staged_before = git(project, "diff", "--cached", "--raw")
    make_ready(capsys, project)
    assert run(capsys, project, "status")[0] == 0
    code, out, err = run(capsys, project, "commit")
    assert code == 0, err
    assert out == REPLY + "\n"
    message = git(project, "log", "-1", "--format=%B")
    assert message == f"Backend plan documented for Photo Annotations\n\nPath: {PLAN}\n\n"
    changed = git(project, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split()
    assert changed == [PLAN]
    assert git(project, "diff", "--cached", "--raw") == staged_before
    plan = (project / PLAN).read_text()
    assert plan.startswith("# Photo Annotations — Backend Plan\n")
    assert plan == run(capsys, project, "render")[1]

    # Nothing changed: no second commit, same reply.
    head = git(project, "rev-parse", "HEAD")
    code, out, err = run(capsys, project, "commit")
    assert code == 0 and out == REPLY + "\n"
    assert git(project, "rev-parse", "HEAD") == head

    # A change to a committed plan needs explicit approval.
    assert run(capsys, project, "add", "10", "decision", "Sentry tag feature=annotations")[0] == 0
    assert run(capsys, project, "confirm", "10")[0] == 0
    code, out, err = run(capsys, project, "commit")
    assert code == 1 and "overwritten" in err
    code, out, err = run(capsys, project, "commit", "--yes")
    assert code == 0 and out == REPLY + "\n"
    assert git(project, "rev-parse", "HEAD^") == head


def test_without_git_the_plan_is_written_and_the_user_told(capsys, tmp_path, git_env):
    plain = make_demo(tmp_path / "plain", git=False)
    make_ready(capsys, plain)
    code, out, err = run(capsys, plain, "commit")
    assert code == 1 and out == ""
    assert "not inside a git repository" in err
    assert (plain / PLAN).read_text().startswith("# Photo Annotations — Backend Plan")


def test_check_reports_rules_servers_and_artifacts(capsys, project):
    code, out, _ = run(capsys, project, "check", "--json")
    data = json.loads(out)
    assert code == (0 if data["ok"] else 1)
    assert data["rules"]["categories"], "the forbidden rules were not parsed"
    states = {s["server"]: s["state"] for s in data["mcp"]}
    assert states and set(states.values()) <= {"configured", "missing", "placeholder"}
    paths = {a["path"]: a["state"] for a in data["artifacts"]}
    assert paths[f".task-master/epics/{EPIC}/04-prd.md"] == "present"
    assert data["roles_before"] == ["01-devops", "02-architect"]
    code, text, _ = run(capsys, project, "check")
    assert "MCP servers" in text and "❌" in text


def test_runs_as_a_process_without_a_terminal(project, git_env):
    env = {**os.environ, **git_env}
    proc = subprocess.run(
        [sys.executable, "-m", "planner_tui", "--project", str(project), "add", "1", "note", "From a script"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("e-")
    session = project / ".planner-tui" / "sessions" / EPIC / "03-backend.json"
    assert "From a script" in session.read_text()
    assert git(project, "status", "--porcelain") == ""  # the session is never committed by accident


def test_builtin_role_without_a_prompt_pack(capsys, project):
    shutil.rmtree(project / ".cursor" / "commands")
    code, out, err = run(capsys, project, "render")
    assert code == 0, err
    assert out.startswith("# Photo Annotations — Backend Plan\n")
    assert "## Caching & Performance" in out


# ------------------------------------------------------------------ the command registry


def test_every_command_is_declared_once_in_the_registry_and_the_parser_is_made_from_it():
    from planner_tui.cli.main import build_parser
    from planner_tui.cli.registry import COMMANDS

    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == names
    assert all(callable(c.handler) and c.help for c in COMMANDS)


def test_the_command_line_has_no_import_cycle_and_one_set_of_exit_codes():
    """Handlers import shared helpers (context, reports, exits), never the entry point that dispatches to them."""
    import ast
    import re

    cli = Path(__file__).resolve().parents[2] / "planner_tui" / "cli"
    for path in cli.rglob("*.py"):
        if path.name == "__init__.py" and path.parent == cli:
            continue  # the package re-exports main
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        if path.name != "main.py":
            assert "planner_tui.cli.main" not in imported, path
        if path.name != "exits.py":
            assert not re.search(r"^EXIT_\w+\s*=", path.read_text(encoding="utf-8"), re.M), path


@pytest.mark.parametrize("command", [[], ["ui"], ["demo"]])
def test_the_workbench_without_a_terminal_refuses_in_one_line_with_exit_2(project, tmp_path, command):
    """An agent or a script runs `planner-tui` with pipes, not a terminal (a new session, no
    controlling tty): it gets one line naming the commands instead of a full-screen app that
    waits for keys forever, and `demo` copies nothing."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "planner_tui", "--project", str(project), *command],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env, start_new_session=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner-tui: the workbench needs a terminal")
    for name in ("status", "add", "answer", "commit"):
        assert f" {name}," in lines[0]
    assert "ui," not in lines[0] and "demo," not in lines[0]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("planner-tui-demo")] == []


def test_a_second_commit_by_the_same_session_needs_yes_too(capsys, project):
    """The plan this session committed is still a committed plan: replacing it needs --yes, like any other."""
    make_ready(capsys, project)
    assert run(capsys, project, "--epic", "009", "commit", "--yes")[0] == 0
    head = git(project, "rev-parse", "HEAD")
    assert run(capsys, project, "--epic", "009", "add", "1", "decision", "Annotations are soft-deleted")[0] == 0
    code, out, err = run(capsys, project, "--epic", "009", "commit")
    assert code == 1 and out == "" and git(project, "rev-parse", "HEAD") == head
    assert f"The committed plan at {PLAN} would be" in err and "--yes" in err
    code, out, err = run(capsys, project, "--epic", "009", "commit", "--dry-run")
    assert code == 1 and f"The committed plan at {PLAN} would be" in err
    code, out, _ = run(capsys, project, "--epic", "009", "commit", "--yes")
    assert code == 0 and out == REPLY + "\n" and git(project, "rev-parse", "HEAD^") == head


# --------------------------------------------------------------------------- print_json


def printed_json(monkeypatch, data: object, encoding: str) -> bytes:
    """The bytes print_json writes for `data` on a stdout of `encoding`."""
    import io

    from planner_tui.cli.context import print_json

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, newline="\n")
    monkeypatch.setattr(sys, "stdout", stream)
    print_json(data)
    stream.flush()
    return raw.getvalue()


SAMPLE = {
    "epics": [{"folder": "009_photo-annotations", "id": 9, "mtime": 1.5e9, "small": 1e-7, "big": 10**30, "roles": [], "task": None}],
    "ok": False, "tuple": (1, 2), 7: "an int key", "quotes": 'say "hi"\\', "control": "\x00\x1f\n\t",
}


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_print_json_gives_the_same_data_as_json_dumps(monkeypatch, encoding):
    out = printed_json(monkeypatch, SAMPLE, encoding)
    assert json.loads(out.decode(encoding)) == json.loads(json.dumps(SAMPLE))
    assert out.endswith(b"}\n") and b'\n  "ok": false' in out  # indented by two, like json.dumps(indent=2)


def test_print_json_keeps_non_ascii_on_a_utf8_stdout_and_escapes_it_on_an_ascii_one(monkeypatch):
    data = {"title": "Café — 日本 🚀"}
    utf8 = printed_json(monkeypatch, data, "utf-8")
    assert "Café — 日本 🚀".encode("utf-8") in utf8
    ascii_out = printed_json(monkeypatch, data, "ascii")
    assert ascii_out.isascii() and b"\\u00e9" in ascii_out and b"\\ud83d\\ude80" in ascii_out
    assert json.loads(ascii_out) == json.loads(utf8) == data


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_print_json_escapes_a_lone_surrogate_from_a_file_name_that_is_not_utf8(monkeypatch, encoding):
    data = {"folder": os.fsdecode(b"bad\xff-name"), "title": "é"}
    out = printed_json(monkeypatch, data, encoding)
    assert b"bad\\udcff-name" in out
    out.decode(encoding)  # valid in the stream's own encoding: no raw surrogate, no crash
    assert json.loads(out) == data


def test_print_json_writes_nan_and_infinity_as_json_dumps_does(monkeypatch):
    import math

    data = {"nan": float("nan"), "inf": float("inf"), "minus": float("-inf"), "n": 1.0}
    out = printed_json(monkeypatch, data, "utf-8").decode("utf-8")
    assert out == json.dumps(data, indent=2) + "\n"
    got = json.loads(out)
    assert math.isnan(got["nan"]) and got["inf"] == math.inf and got["minus"] == -math.inf
