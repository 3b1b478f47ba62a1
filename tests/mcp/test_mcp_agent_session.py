"""An agent plans the demo's backend through `planner-tui mcp` and the SDK's client, beside the CLI and the person."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from mcp_kit import EPIC, MESSAGE, PLAN, REPLY, Agent, isolated_env, planner_tui_command

from planner_tui.cli.main import main
from planner_tui.core.engine import Planner
from planner_tui.demo import make_demo

PRD = f".task-master/epics/{EPIC}/04-prd.md"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def project(tmp_path_factory, env) -> Path:
    return make_demo(tmp_path_factory.mktemp("mcp") / "proj")


@pytest.fixture(scope="module")
def agent(project, env, tmp_path_factory):
    """One server process for the whole module: every test also proves it kept running."""
    with open(tmp_path_factory.mktemp("logs") / "server.err", "w+", encoding="utf-8") as errlog:
        with Agent(project, env, name="cursor-agent", errlog=errlog) as client:
            yield client


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def server_cpu_seconds() -> float:
    """CPU time used so far by the `planner-tui mcp` child of this test process (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"mcp" in cmdline:
            return (int(fields[11]) + int(fields[12])) / ticks
    raise AssertionError("no planner-tui mcp child process")


def person(project: Path) -> Planner:
    """The person's side, as the workbench holds it: a Planner on the same session file."""
    return Planner.open(project, epic=EPIC, author="person")


def test_every_tool_says_what_it_does_and_resources_list_the_artifacts(agent):
    tools = agent.portal.call(agent.session.list_tools).tools
    names = {t.name for t in tools}
    assert {"list_epics", "status", "add_entry", "answer", "drop", "flag", "edit", "confirm_topic", "render_plan", "commit", "wait_for_answers"} <= names
    assert all(t.description and len(t.description) > 30 for t in tools)
    listing = agent.ok("list_epics")
    assert [e["folder"] for e in listing["epics"]] == ["004_offline-sync", EPIC]
    assert {"key": "03-backend", "name": "Backend", "state": "not started"} in listing["roles"]

    uris = [str(r.uri) for r in agent.portal.call(agent.session.list_resources).resources]
    assert "planner://plan" in uris and "planner://rules" in uris
    assert f"planner://artifact/{PRD}" in uris
    assert agent.read("planner://rules").startswith("# Rules That Bind Every Command")
    prd = (agent.project / PRD).read_text(encoding="utf-8")
    assert agent.read(f"planner://artifact/{PRD}") == prd


def test_bad_input_is_a_tool_error_and_the_server_keeps_running(agent, project):
    assert "no topic '42'" in agent.error("add_entry", topic="42", kind="decision", text="x")
    assert "Unknown entry kind" in agent.error("add_entry", topic="1", kind="verdict", text="x")
    assert "no entry 'e-nothere'" in agent.error("answer", question="e-nothere", text="x")
    assert "#9" in agent.error("answer", question="#9", topic="2", text="x")
    assert "give `topic`" in agent.error("wait_for_answers", questions=["#1"])
    assert "There is no epic 'nope'; choose one of: 004_offline-sync" in agent.error("open_epic", epic="nope")
    assert "limit is 20,000" in agent.error("add_entry", topic="1", kind="note", text="x" * 20_001)
    assert "outside the project" in agent.error("add_entry", topic="1", kind="decision", text="x", cite="../../etc/passwd:1")
    assert "outside the project" in agent.error("add_entry", topic="1", kind="decision", text="x", cite="/etc/passwd")
    assert "the file has 55 lines" in agent.error("add_entry", topic="1", kind="decision", text="x", cite=f"{PRD}:100000")
    assert agent.error("add_entry", topic="1", kind="decision")  # a missing argument: the SDK's validation, still a tool error
    assert "has no entries: say in one line why" in agent.error("confirm_topic", topic="9")
    with pytest.raises(Exception, match="Unknown resource|not one of"):
        agent.read("planner://artifact/../../etc/passwd")
    # None of it was saved, and the server still answers.
    status = agent.ok("status")
    assert all(not t["open_questions"] or t["id"] == "api-surface" for t in status["topics"])
    assert "x" * 100 not in json.dumps(person(project).session.model_dump(mode="json"))


def test_entries_from_the_client_and_the_cli_at_once_are_all_kept(agent, project, env):
    command = [*planner_tui_command(), "--project", str(project), "--epic", EPIC, "add", "observability"]
    writers = [subprocess.Popen([*command, "note", f"CLI note {n}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]

    async def burst():
        import anyio

        async with anyio.create_task_group() as group:
            for n in range(6):
                group.start_soon(agent.session.call_tool, "add_entry", {"topic": "observability", "kind": "note", "text": f"Agent note {n}"})

    agent.portal.call(burst)
    for writer in writers:
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
    thread = agent.ok("show_thread", topic="observability")[0]["entries"]
    texts = {e["text"] for e in thread}
    assert {f"Agent note {n}" for n in range(6)} | {f"CLI note {n}" for n in range(2)} <= texts
    mine = [e for e in thread if e["text"].startswith("Agent note")]
    assert all(e["author"] == "agent" and e["author_name"] == "cursor-agent" for e in mine)


def test_waiting_returns_at_once_times_out_and_ends_cleanly_when_cancelled(agent, project):
    asked = agent.ok("add_entry", topic="caching-strategy", kind="question", text="Cache the annotation list per photo?")
    person(project).answer(asked["id"], "Yes, 5 minutes, busted on write")
    start = time.perf_counter()
    done = agent.ok("wait_for_answers", questions=[asked["id"]], timeout_s=30)
    assert time.perf_counter() - start < 5
    assert done["settled"][0]["answer"]["text"] == "Yes, 5 minutes, busted on write" and not done["timed_out"]

    open_q = agent.ok("add_entry", topic="caching-strategy", kind="question", text="Warm the cache on deploy?")
    cpu_before = server_cpu_seconds()
    late = agent.ok("wait_for_answers", questions=[f"#{open_q['number']}"], topic="caching-strategy", timeout_s=1.0)
    assert late["timed_out"] and late["waiting"][0]["question"] == open_q["id"]
    # A second of waiting sleeps on the file watcher: no busy loop.
    assert server_cpu_seconds() - cpu_before < 0.25

    async def cancelled_wait():
        import anyio

        with anyio.move_on_after(0.5):
            await agent.session.call_tool("wait_for_answers", {"questions": [open_q["id"]], "timeout_s": 600})
            raise AssertionError("the wait should still be waiting")

    agent.portal.call(cancelled_wait)
    # The cancelled call left the server answering, and the question is still there to wait on.
    person(project).drop(open_q["id"], "Deploys are rare")
    dropped = agent.ok("wait_for_answers", questions=[open_q["id"]], timeout_s=10)
    assert dropped["settled"][0]["status"] == "dropped" and dropped["settled"][0]["reason"] == "Deploys are rare"


def test_the_agent_plans_the_backend_to_the_exact_commit_and_reply(agent, project, capsys):
    head = git(project, "rev-parse", "HEAD")
    status = agent.ok("status")
    assert not status["ready"] and status["commit_message"] + "\n\n" == MESSAGE
    # The person settles whatever is still open (earlier tests' questions among them).
    for topic in status["topics"]:
        for question in topic["open_questions"]:
            agent.ok("drop", question=f"#{question['number']}", topic=topic["id"], reason="Settled in the room")
    refused = agent.error("commit")
    assert refused.startswith("Error executing tool commit: Not ready to commit:") and "not confirmed" in refused
    asked = agent.ok("add_entry", topic="api-surface", kind="question", text="Cursor or offset pagination for annotations?")
    person(project).answer(asked["id"], "Cursor pagination, 25 per page")
    answered = agent.ok("wait_for_answers", questions=[asked["id"]], timeout_s=30)
    assert answered["settled"][0]["answer"]["author"] == "person"

    confirmed = agent.ok("confirm_topic", topic="9", reason="The PRD's targets are the pipeline's gates")  # empty: a reason
    assert confirmed == {"topic": "performance-targets", "state": "confirmed"}
    for topic in status["topics"]:
        points = "; ".join(f"{p['point']} settled" for p in topic["points"])
        cite = f"{PRD}:1" if topic["id"] == "api-surface" else None
        agent.ok("add_entry", topic=topic["id"], kind="decision", text=f"{topic['title']}: {points}", cite=cite)
    agent.ok("add_entry", topic="1", kind="risk", text="Large photos may slow the first sync.")
    for topic in status["topics"]:
        agent.ok("confirm_topic", topic=str(topic["number"]))
    ready = agent.ok("status")
    assert ready["ready"], ready["blockers"]
    plan = agent.ok("render_plan")
    assert plan.startswith("# Photo Annotations — Backend Plan\n") and plan == agent.read("planner://plan")

    done = agent.ok("commit")
    assert done["reply"] == REPLY
    assert git(project, "log", "-1", "--format=%B") == MESSAGE
    assert git(project, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split() == [PLAN]
    assert git(project, "rev-parse", "HEAD^").strip() == head.strip()
    assert (project / PLAN).read_text(encoding="utf-8") == plan

    # Who decided is kept: the session and the decision log name the client.
    assert main(["--project", str(project), "--epic", EPIC, "export"]) == 0
    assert "agent (cursor-agent)" in capsys.readouterr().out
    # A change to the committed plan needs the person's explicit approval, as on the command line.
    agent.ok("add_entry", topic="10", kind="decision", text="Sentry tag feature=annotations")
    agent.ok("confirm_topic", topic="10")
    assert "overwritten" in agent.error("commit")
    assert agent.ok("commit", approve_overwrite=True)["reply"] == REPLY
    assert git(project, "rev-parse", "HEAD~2").strip() == head.strip()


def test_print_config_writes_each_clients_snippet_and_check_sees_it(project, capsys):
    def run(*args: str) -> tuple[str, str]:
        assert main(["--project", str(project), "--epic", EPIC, *args]) in (0, 1)
        captured = capsys.readouterr()
        return captured.out, captured.err

    for client, path, table in (("cursor", ".cursor/mcp.json", "mcpServers"), ("claude", ".mcp.json", "mcpServers"), ("vscode", ".vscode/mcp.json", "servers")):
        out, err = run("mcp", "--print-config", client)
        assert path in err
        assert json.loads(out)[table]["planner-tui"]["args"][:1] == ["mcp"]
    before = json.loads(run("check", "--json")[0])["agent_server"]
    assert before["state"] == "missing" and "--print-config" in before["detail"]
    # The person merges the Claude Code snippet into the demo's own .mcp.json.
    config = project / ".mcp.json"
    merged = json.loads(config.read_text(encoding="utf-8"))
    merged["mcpServers"].update(json.loads(run("mcp", "--print-config", "claude")[0])["mcpServers"])
    config.write_text(json.dumps(merged), encoding="utf-8")
    after = json.loads(run("check", "--json")[0])["agent_server"]
    assert after["state"] == "configured" and after["file"] == ".mcp.json"
    assert "planner-tui itself (planner-tui mcp): configured in .mcp.json" in run("check")[0]
