"""The `planner-tui mcp` process itself: stdout holds protocol messages only, EOF ends it, bad options fail fast."""

from __future__ import annotations

import json
import os
import subprocess

from mcp_kit import EPIC, planner_tui_command

from planner_tui.core.engine import Planner


def message(id_: int | None, method: str, params: dict) -> str:
    body = {"jsonrpc": "2.0", "method": method, "params": params}
    if id_ is not None:
        body["id"] = id_
    return json.dumps(body) + "\n"


def test_stdout_is_only_protocol_and_an_acknowledged_entry_outlives_the_client(demo_project):
    hostile = "evil\x1b]0;pwned\x07-agent\x1b[2J"
    proc = subprocess.Popen(
        [*planner_tui_command(), "mcp", "--project", str(demo_project), "--epic", EPIC],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )
    replies: list[dict] = []

    def ask(id_: int | None, method: str, params: dict) -> dict | None:
        proc.stdin.write(message(id_, method, params))
        proc.stdin.flush()
        while id_ is not None:
            reply = json.loads(proc.stdout.readline())  # every line is one JSON-RPC message
            replies.append(reply)
            if reply.get("id") == id_:
                return reply
        return None

    try:
        hello = ask(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": hostile, "version": "1"}})
        ask(None, "notifications/initialized", {})
        added = ask(2, "tools/call", {"name": "add_entry", "arguments": {"topic": "2", "kind": "question", "text": "Cursor pagination?"}})["result"]
        refused = ask(3, "tools/call", {"name": "add_entry", "arguments": {"topic": "99", "kind": "note", "text": "x"}})["result"]
        # The client goes away: EOF on stdin ends the server cleanly, with nothing more on stdout.
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert all(r["jsonrpc"] == "2.0" for r in replies)
    assert hello["result"]["serverInfo"]["name"] == "planner-tui"
    assert not added["isError"] and added["structuredContent"]["author_name"] == "evil-agent"
    assert refused["isError"] and "no topic '99'" in refused["content"][0]["text"]
    # What was acknowledged is on disk, under the client's name with its escape sequences removed.
    entry = Planner.open(demo_project, epic=EPIC).session.find_entry(added["structuredContent"]["id"])[1]
    assert entry.text == "Cursor pagination?" and entry.author == "agent" and entry.author_name == "evil-agent"


def test_an_unknown_epic_is_one_sentence_before_serving(demo_project):
    proc = subprocess.run(
        [*planner_tui_command(), "mcp", "--project", str(demo_project), "--epic", "nope"],
        input="", capture_output=True, text=True, timeout=60, env=dict(os.environ),
    )
    assert proc.returncode != 0 and proc.stdout == ""  # refused before a single protocol byte
    assert proc.stderr == "planner-tui: There is no epic 'nope'; choose one of: 004_offline-sync, 009_photo-annotations.\n"
