"""A real `planner-tui mcp` process driven by the SDK's own stdio client, callable from plain tests."""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from anyio.from_thread import start_blocking_portal

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult, Implementation

EPIC = "009_photo-annotations"
PLAN = f".task-master/epics/{EPIC}/roles/03-backend.md"
REPLY = f"The Backend role path is {PLAN}"
MESSAGE = f"Backend plan documented for Photo Annotations\n\nPath: {PLAN}\n\n"


def isolated_env(home: Path) -> dict[str, str]:
    """HOME, git identity and config of our own, for processes a module-scoped fixture starts."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Ada Planner\n\temail = ada@example.test\n[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    (home / ".config").mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Planner",
        "GIT_AUTHOR_EMAIL": "ada@example.test",
        "GIT_COMMITTER_NAME": "Ada Planner",
        "GIT_COMMITTER_EMAIL": "ada@example.test",
        "PLANNER_TUI_WARM": "0",  # the command-line calls beside the server run in their own processes (see tests/conftest.py)
    }


def planner_tui_command() -> list[str]:
    """The installed `planner-tui` script of this environment (else the module run by this Python)."""
    script = Path(sys.executable).parent / "planner-tui"
    if script.exists():
        return [str(script)]
    found = shutil.which("planner-tui")
    return [found] if found else [sys.executable, "-m", "planner_tui"]


def server_parameters(project: Path, env: dict[str, str], *extra: str) -> StdioServerParameters:
    command, *args = planner_tui_command()
    return StdioServerParameters(command=command, args=[*args, "mcp", "--project", str(project), "--epic", EPIC, *extra], env=env, cwd=str(project))


def unwrap(result: CallToolResult) -> Any:
    """A tool's answer as data: structured content (a list or str is under `result`), else its JSON text."""
    data = result.structured_content
    if isinstance(data, dict) and set(data) == {"result"}:
        return data["result"]
    if data is not None:
        return data
    text = result.content[0].text if result.content else ""
    try:
        return json.loads(text)
    except ValueError:
        return text


class Agent:
    """One server process and one ClientSession, driven from synchronous test code through a portal."""

    def __init__(self, project: Path, env: dict[str, str], *, name: str = "cursor-agent", errlog=None) -> None:
        self.project = project
        self.params = server_parameters(project, env)
        self.name = name
        self.errlog = errlog if errlog is not None else sys.stderr
        self._stack = ExitStack()

    def __enter__(self) -> "Agent":
        self.portal = self._stack.enter_context(start_blocking_portal())
        streams = self._stack.enter_context(self.portal.wrap_async_context_manager(stdio_client(self.params, errlog=self.errlog)))
        client = ClientSession(*streams, client_info=Implementation(name=self.name, version="1.0"))
        self.session = self._stack.enter_context(self.portal.wrap_async_context_manager(client))
        self.portal.call(self.session.initialize)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return self.portal.call(lambda: self.session.call_tool(tool, arguments))

    def ok(self, tool: str, **arguments: Any) -> Any:
        result = self.call(tool, **arguments)
        assert not result.is_error, f"{tool} {arguments}: {result.content[0].text if result.content else result}"
        return unwrap(result)

    def error(self, tool: str, **arguments: Any) -> str:
        """The message of a call that must fail as a tool error (not a protocol error, not a crash)."""
        result = self.call(tool, **arguments)
        assert result.is_error, f"{tool} {arguments} should have failed: {unwrap(result)}"
        return result.content[0].text

    def read(self, uri: str) -> str:
        result = self.portal.call(lambda: self.session.read_resource(uri))
        return result.contents[0].text
