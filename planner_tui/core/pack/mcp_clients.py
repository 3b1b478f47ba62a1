"""What the MCP client config files say about the servers a role needs (never whether they run)."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Callable, NamedTuple

from planner_tui.core.models import McpStatus

__all__ = ["check_mcp", "own_server", "load_jsonc", "is_placeholder", "ConfigEntry", "read_configs", "pipeline_client", "CLIENTS"]

_MAX_BYTES = 32 * 1024 * 1024  # ~/.claude.json grows with history; a bigger file is not a config
_PROJECT_FILES = (
    (".mcp.json", ("mcpServers",), "Claude Code"),
    (".cursor/mcp.json", ("mcpServers",), "Cursor"),
    (".vscode/mcp.json", ("servers", "mcpServers"), "VS Code"),
    (".github/mcp.json", ("mcpServers", "servers"), "GitHub Copilot"),
)
CLIENTS: dict[str, str] = {".cursor": "Cursor", ".claude": "Claude Code"}
"""The client that runs a pipeline whose commands live in this top-level folder."""
# What an entry runs or points at gives the server away when its name does not.
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "laravelboost": ("boost:mcp",),
    "deepwiki": ("mcp.deepwiki.com",),
    "context7": ("context7",),
    "taskmasterai": ("task-master-ai",),
    "perplexity": ("perplexity",),
    "github": ("github-mcp-server", "server-github", "api.githubcopilot.com/mcp"),
    "knowledgegraph": ("mcp-knowledge-graph",),
    "sequentialthinking": ("server-sequential-thinking",),
}
_PLACEHOLDER = re.compile(
    r"^$|\byour[_-]|_here\b|^<[^<>]*>$|\s<[^<>]*>$|(^|[-_\s])x{3,}($|[-_\s])|change[-_]?me|"
    r"replace[-_]?me|placeholder|^todo$|^\.\.\.$|^…$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\$\{[^}]+\}|^\$[A-Za-z_]\w*$|\s\$[A-Za-z_]\w*$")


class ConfigEntry(NamedTuple):
    """One server entry of one client config file."""

    file: str
    name: str
    body: dict[str, Any]
    client: str = ""
    """The MCP client that reads the file (`Cursor`, `Claude Code`, `VS Code`, …)."""


# A JSON string (kept as it is), or what a pass removes outside strings. Every alternative is
# anchored on its first characters and its repetition on disjoint classes: linear time.
_STRING = r'"(?:[^"\\\n]|\\.)*(?:"|$)'
_COMMENTS = re.compile(_STRING + r"|//[^\n]*|/\*.*?(?:\*/|\Z)", re.S | re.M)
_TRAILING_COMMAS = re.compile(_STRING + r"|,(?=\s*[}\]])", re.M)


def _outside_strings(pattern: re.Pattern[str], text: str, replace: Callable[[str], str]) -> str:
    """`text` with each match of `pattern` that is not a JSON string replaced by `replace(match)`."""
    return pattern.sub(lambda m: m.group() if m.group().startswith('"') else replace(m.group()), text)


def _blank_comment(comment: str) -> str:
    if comment.startswith("/*") and not comment.endswith("*/"):
        raise ValueError("unclosed /* comment")
    return " " if comment.startswith("/*") else ""


def load_jsonc(text: str) -> Any:
    """Parse JSON that may carry // and /* */ comments and trailing commas (VS Code's format)."""
    bare = _outside_strings(_COMMENTS, text, _blank_comment)
    # Comments are gone, so a comma followed only by blanks and a closer is a trailing one.
    return json.loads(_outside_strings(_TRAILING_COMMAS, bare, lambda _: "").lstrip("\ufeff"))


def _read(path: Path) -> tuple[Any, str | None]:
    """(parsed JSON, None), (None, None) when absent, or (None, reason) when unusable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, None
    except NotADirectoryError:
        return None, None
    except OSError as exc:
        return None, exc.strerror.lower() if exc.strerror else "cannot be opened"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > _MAX_BYTES:
            return None, "too large to read"
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror.lower() if exc.strerror else "cannot be read"
    finally:
        os.close(fd)
    try:
        return load_jsonc(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON (line {exc.lineno}, column {exc.colno})"
    except ValueError as exc:
        return None, f"invalid JSON ({exc})"
    except RecursionError:
        return None, "invalid JSON (nested too deeply)"


def _table(data: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    for key in keys:
        if isinstance(data.get(key), dict):
            return data[key]
    return {}


def _same_dir(a: str, b: Path) -> bool:
    return os.path.normpath(a).rstrip("/\\") == os.path.normpath(str(b)).rstrip("/\\")


def read_configs(root: Path, home: Path | None = None) -> tuple[list[ConfigEntry], list[str]]:
    """Every server entry of the project's and the user's client configs, project files first,
    and one note per config file that exists but cannot be used."""
    home = Path.home() if home is None else home
    entries: list[ConfigEntry] = []
    notes: list[str] = []

    def add(label: str, table: dict[str, Any], client: str = "Claude Code") -> None:
        for name, body in table.items():
            if isinstance(body, dict):
                entries.append(ConfigEntry(label, str(name), body, client))

    for rel, keys, client in _PROJECT_FILES:
        data, problem = _read(root / rel)
        if problem:
            notes.append(f"{rel} {problem}")
        add(rel, _table(data, keys), client)
    data, problem = _read(home / ".cursor" / "mcp.json")
    if problem:
        notes.append(f"~/.cursor/mcp.json {problem}")
    add("~/.cursor/mcp.json", _table(data, ("mcpServers",)), "Cursor")
    data, problem = _read(home / ".claude.json")
    if problem:
        notes.append(f"~/.claude.json {problem}")
    if isinstance(data, dict):
        projects = data.get("projects")
        if isinstance(projects, dict):
            roots = {str(root), str(root.resolve())}
            for key, proj in projects.items():
                if isinstance(proj, dict) and any(_same_dir(key, Path(r)) for r in roots):
                    add("~/.claude.json", _table(proj, ("mcpServers",)))
        add("~/.claude.json", _table(data, ("mcpServers",)))
    return entries, notes


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _runs(body: dict[str, Any]) -> str:
    parts: list[str] = []
    for key in ("command", "args", "url", "serverUrl", "httpUrl"):
        value = body.get(key)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(str(v) for v in value)
    return " ".join(parts).lower()


def is_placeholder(value: Any, key: str = "") -> bool:
    """True for a stand-in secret (`YOUR_KEY_HERE`, `<token>`, `xxx`, `changeme`, empty);
    `${VAR}` and `${input:id}` references are real configuration."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if re.fullmatch(r"(?i)(bearer|token|basic)", text):
        return True  # an Authorization header whose secret was left out
    if _REFERENCE.search(text):
        return False
    if not text:
        # An empty value only matters where a secret belongs.
        return bool(re.search(r"(?i)key|token|secret|password|auth|credential|(^|_)pat($|_)", key))
    return bool(_PLACEHOLDER.search(text))


def _placeholders(body: dict[str, Any]) -> list[str]:
    found = []
    for table in ("env", "headers"):
        values = body.get(table)
        if isinstance(values, dict):
            found += [str(k) for k, v in values.items() if is_placeholder(v, str(k))]
    return found


def _matches(server: str, entry: ConfigEntry) -> str | None:
    """How the entry stands for the server (`name`, or `command`), or None."""
    want = _norm(server)
    if _norm(entry.name) == want:
        return "name"
    runs = _runs(entry.body)
    signatures = _SIGNATURES.get(want)
    if signatures is None:
        # An unknown server is recognised by its own name in what the entry runs.
        signatures = (server.lower(),) if len(want) >= 5 else ()
    return "command" if any(sig in runs for sig in signatures) else None


def _judge(server: str, entry: ConfigEntry, how: str) -> McpStatus:
    via = "" if how == "name" else " (recognised by what it runs)"
    secrets = _placeholders(entry.body)
    if entry.body.get("disabled") is True:
        state, detail = "missing", f"entry `{entry.name}` in {entry.file} is disabled{via}"
    elif secrets:
        state, detail = "placeholder", f"{', '.join(secrets)} in {entry.file} still holds a placeholder{via}"
    else:
        state, detail = "configured", f"configured in {entry.file} as `{entry.name}`{via}; not checked that it runs"
    return McpStatus(server=server, state=state, file=entry.file, entry=entry.name, detail=detail)


_RANK = {"configured": 0, "placeholder": 1, "missing": 2}


def pipeline_client(root: Path, *places: Path | None) -> str | None:
    """The MCP client a pipeline runs in, from where its prompts live (`.cursor/…` is Cursor,
    `.claude/…` Claude Code; the first place that tells wins), or None when none tells."""
    for place in places:
        if place is None:
            continue
        try:
            top = Path(place).resolve().relative_to(Path(root).resolve()).parts[:1]
        except (ValueError, OSError):
            continue
        if top and top[0] in CLIENTS:
            return CLIENTS[top[0]]
    return None


def _best(server: str, entries: list[ConfigEntry]) -> McpStatus | None:
    found = []
    for entry in entries:
        how = _matches(server, entry)
        if how:
            # Name matches first, then file order (project before user).
            found.append((how != "name", _judge(server, entry, how)))
    if not found:
        return None
    found.sort(key=lambda f: (_RANK[f[1].state], f[0]))
    best = found[0][1]
    others = [s for _, s in found[1:] if s.state != "configured" and s.file != best.file]
    if best.state == "configured" and others:
        best.detail += f"; also in {others[0].file} ({others[0].state})"
    return best


def check_mcp(
    root: Path, servers: list[str], home: Path | None = None, *, client: str | None = None, uses: dict[str, str] | None = None
) -> list[McpStatus]:
    """One status per required server (duplicates dropped), from the project's `.mcp.json`,
    `.cursor/mcp.json`, `.vscode/mcp.json`, `.github/mcp.json` and the user's
    `~/.cursor/mcp.json` and `~/.claude.json`. A configured finding beats a placeholder one;
    a config file that cannot be read is noted in `detail`, never raised.

    With `client` (the pipeline's, see `pipeline_client`) only that client's files configure a
    server; one found only in another client's file is `elsewhere`, naming that client. `uses`
    gives each server's "uses" text (from `02-mcp.md`) by name."""
    entries, notes = read_configs(Path(root), home)
    unread = f"; unreadable: {'; '.join(notes)}" if notes else ""
    own = [e for e in entries if client is None or e.client == client]
    foreign = [e for e in entries if client is not None and e.client != client]
    out: list[McpStatus] = []
    seen: set[str] = set()
    for server in servers:
        if _norm(server) in seen:
            continue
        seen.add(_norm(server))
        best = _best(server, own)
        other = _best(server, foreign)
        if best is None and other is not None and other.state == "configured":
            best = other.model_copy(update={
                "state": "elsewhere",
                "detail": f"configured for {_client_of(other, entries)} only ({other.file} as `{other.entry}`), "
                f"not for {client}",
            })
        elif best is None:
            where = f"any {client} MCP config" if client else "any MCP config"
            best = McpStatus(server=server, state="missing", detail=f"not in {where}{unread}")
        elif best.state != "configured":
            best.detail += unread
            if other is not None and other.state == "configured":
                best.detail += f"; configured for {_client_of(other, entries)} in {other.file}"
        best.use = (uses or {}).get(server, "")
        out.append(best)
    return out


def _client_of(status: McpStatus, entries: list[ConfigEntry]) -> str:
    return next((e.client for e in entries if e.file == status.file), "another client")


def own_server(root: Path, home: Path | None = None) -> McpStatus:
    """Whether the client config files run planner-tui itself as an MCP server (`planner-tui mcp`)."""
    found = check_mcp(root, ["planner-tui"], home)[0]
    if found.state == "missing":
        found.detail += "; `planner-tui mcp --print-config cursor|claude|vscode` prints the snippet"
    return found
