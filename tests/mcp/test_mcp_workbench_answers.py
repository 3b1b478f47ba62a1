"""The agent asks through MCP, the person answers in the workbench, the wait returns both; with agent_approval, R keeps its decision."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from mcp_kit import server_parameters, unwrap
from workbench_kit import SIZE

from mcp import ClientSession, stdio_client
from mcp.types import Implementation
from textual.widgets.option_list import OptionDoesNotExist

TOPIC = "api-surface"


@pytest.mark.slow  # a server process and the workbench in one test
def test_two_questions_answered_in_the_workbench_end_the_agents_wait(drive):
    async def scenario():
        async with drive.app(watch=True, agent_approval=True).run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            # The person's setting, read by the workbench (given here) and by the server (from the file).
            config = Path(os.environ["XDG_CONFIG_HOME"]) / "planner-tui" / "config.toml"
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text("agent_approval = true\n", encoding="utf-8")
            params = server_parameters(drive.project, dict(os.environ))
            async with stdio_client(params) as streams, ClientSession(*streams, client_info=Implementation(name="claude-code", version="2.1")) as agent:
                await agent.initialize()
                first = unwrap(await agent.call_tool("add_entry", {"topic": TOPIC, "kind": "question", "text": "Cursor or offset pagination?"}))
                second = unwrap(await agent.call_tool("add_entry", {"topic": TOPIC, "kind": "question", "text": "Who may delete an annotation?"}))
                waited: dict = {}

                async def wait() -> None:
                    result = await agent.call_tool("wait_for_answers", {"questions": [first["id"], second["id"]], "timeout_s": 60})
                    waited.update(unwrap(result))

                async with anyio.create_task_group() as group:
                    group.start_soon(wait)
                    await pilot.press("alt+right")
                    await drive.until(pilot, lambda: screen.topic.id == TOPIC, what="the agent's topic")
                    thread = screen.thread

                    def shown(entry_id: str) -> str:
                        try:
                            return str(thread.get_option(entry_id).prompt)
                        except OptionDoesNotExist:  # not in the thread yet
                            return ""

                    await drive.until(pilot, lambda: shown(first["id"]) and shown(second["id"]), what="the agent's questions in the thread")
                    # The person sees who asked, by the client's own name.
                    assert "claude-code" in shown(first["id"]) and "OPEN" in shown(first["id"])

                    await drive.write(pilot, f"#{first['number']} Cursor pagination, 25 per page")
                    await anyio.sleep(0.3)
                    assert not waited, "one question is still open: the wait goes on"
                    await drive.write(pilot, f"#{second['number']} The author and any supervisor")
                    with anyio.fail_after(20):
                        while not waited:
                            await pilot.pause(0.05)

                # With agent_approval on, the agent's decision waits for the person's R in the thread.
                decided = unwrap(await agent.call_tool("add_entry", {"topic": TOPIC, "kind": "decision", "text": "Cursor pagination, 25 per page"}))
                approvals = lambda: [b.entry for b in screen.blockers if b.kind == "approval"]  # noqa: E731
                waiting = unwrap(await agent.call_tool("status", {}))["blockers"]
                assert [b["entry"] for b in waiting if b["kind"] == "approval"] == [decided["id"]]
                await drive.until(pilot, lambda: approvals() == [decided["id"]], what="the decision waiting for approval")
                # The thread marks it, and R (keep it) applies to it.
                await drive.until(pilot, lambda: "awaits your approval" in screen.thread.marks.get(decided["id"], ""), what="the approval mark")
                screen.thread.focus()
                screen.thread.highlight_entry(decided["id"])
                await pilot.press("R")
                await drive.settle(pilot)
                await drive.until(pilot, lambda: approvals() == [], what="the decision kept")
                status = unwrap(await agent.call_tool("status", {}))
                assert not [b for b in status["blockers"] if b["kind"] == "approval"]

            settled = {item["question"]: item for item in waited["settled"]}
            assert waited["waiting"] == [] and not waited["timed_out"]
            assert settled[first["id"]]["answer"]["text"] == "Cursor pagination, 25 per page"
            assert settled[second["id"]]["answer"]["text"] == "The author and any supervisor"
            assert {item["answer"]["author"] for item in settled.values()} == {"person"}

    anyio.run(scenario)
