"""The config snippet that registers `planner-tui mcp` with each MCP client, and where it goes."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = ["CLIENTS", "SERVER_NAME", "config_snippet", "snippet_text", "launcher"]

SERVER_NAME = "planner-tui"

# client: (its project config file, the table holding servers, the project folder as the client spells it)
CLIENTS: dict[str, tuple[str, str, str | None]] = {
    "cursor": (".cursor/mcp.json", "mcpServers", "${workspaceFolder}"),
    "claude": (".mcp.json", "mcpServers", None),  # Claude Code starts project servers in the project folder
    "vscode": (".vscode/mcp.json", "servers", "${workspaceFolder}"),
}


def launcher() -> str:
    """`planner-tui` when it is on the PATH, else the full path of the running one (a venv not activated)."""
    if shutil.which(SERVER_NAME):
        return SERVER_NAME
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    return str(argv0.resolve()) if argv0 is not None and argv0.name == SERVER_NAME else SERVER_NAME


def config_snippet(client: str, *, epic: str | None = None, role: str | None = None) -> tuple[str, dict[str, Any]]:
    """(the client's config file, the JSON to merge into it) for `planner-tui mcp`."""
    path, table, folder = CLIENTS[client]
    args = ["mcp"]
    if folder is not None:
        args += ["--project", folder]
    if epic:
        args += ["--epic", epic]
    if role and role != "backend":
        args += ["--role", role]
    entry: dict[str, Any] = {"type": "stdio", "command": launcher(), "args": args}
    if client == "cursor":
        del entry["type"]  # Cursor tells stdio servers by their `command`
    return path, {table: {SERVER_NAME: entry}}


def snippet_text(client: str, **options: str | None) -> tuple[str, str]:
    """(the config file, the snippet as pretty JSON)."""
    path, data = config_snippet(client, **options)
    return path, json.dumps(data, indent=2) + "\n"
