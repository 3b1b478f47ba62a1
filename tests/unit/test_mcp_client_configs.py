"""MCP config checks against real config files in a temp project and a fake home."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from planner_tui.core.pack.mcp_clients import check_mcp, is_placeholder, load_jsonc

REQUIRED = ["task-master-ai", "context7", "laravel-boost", "deepwiki", "github", "sequentialthinking"]


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    return root, home


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def by_server(statuses):
    return {s.server: s for s in statuses}


def test_nothing_configured_is_missing_for_all(dirs) -> None:
    root, home = dirs
    got = check_mcp(root, REQUIRED, home=home)
    assert [s.server for s in got] == REQUIRED
    assert all(s.state == "missing" and s.file is None for s in got)


def test_claude_project_file_with_env_references(dirs) -> None:
    root, home = dirs
    write(root / ".mcp.json", json.dumps({"mcpServers": {
        "task-master-ai": {"command": "npx", "args": ["-y", "task-master-ai"],
                           "env": {"ANTHROPIC_API_KEY": "${ANTHROPIC_API_KEY}"}},
        "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                   "headers": {"Authorization": "Bearer ${GITHUB_PAT}"}},
    }}))
    got = by_server(check_mcp(root, REQUIRED, home=home))
    assert got["task-master-ai"].state == "configured"
    assert (got["github"].state, got["github"].file, got["github"].entry) == ("configured", ".mcp.json", "github")
    assert "runs" in got["github"].detail and "not checked" in got["github"].detail
    assert got["context7"].state == "missing"


def test_cursor_quirks_loose_names_commands_and_placeholders(dirs) -> None:
    root, home = dirs
    write(root / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "Context7": {"url": "https://mcp.context7.com/mcp", "headers": []},
        "sequential-thinking": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-sequential-thinking"]},
        "boost": {"command": "php", "args": ["artisan", "boost:mcp"]},
        "wiki": {"url": "https://mcp.deepwiki.com/mcp"},
        "tm": {"command": "npx -y task-master-ai", "env": {"ANTHROPIC_API_KEY": "YOUR_ANTHROPIC_API_KEY_HERE"}},
        "gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
               "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<token>"}},
    }}))
    got = by_server(check_mcp(root, REQUIRED, home=home))
    assert (got["context7"].state, got["context7"].entry) == ("configured", "Context7")
    assert got["sequentialthinking"].entry == "sequential-thinking"
    assert (got["laravel-boost"].entry, got["deepwiki"].entry) == ("boost", "wiki")
    assert "recognised by what it runs" in got["laravel-boost"].detail
    assert (got["task-master-ai"].state, got["task-master-ai"].entry) == ("placeholder", "tm")
    assert "ANTHROPIC_API_KEY" in got["task-master-ai"].detail
    assert got["github"].state == "placeholder" and got["github"].file == ".cursor/mcp.json"


def test_configured_elsewhere_beats_placeholder(dirs) -> None:
    root, home = dirs
    write(root / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["server-github"], "env": {"TOKEN": "changeme"}}}}))
    write(home / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "GitHub": {"command": "docker", "args": ["run", "ghcr.io/github/github-mcp-server"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GH_TOKEN}"}}}}))
    gh = by_server(check_mcp(root, ["github"], home=home))["github"]
    assert (gh.state, gh.file, gh.entry) == ("configured", "~/.cursor/mcp.json", "GitHub")
    assert ".cursor/mcp.json (placeholder)" in gh.detail


def test_vscode_jsonc_with_comments_trailing_commas_and_inputs(dirs) -> None:
    root, home = dirs
    write(root / ".vscode" / "mcp.json", """{
  // VS Code keeps its servers under "servers"
  "inputs": [{"type": "promptString", "id": "key", "password": true},],
  "servers": {
    /* block comment */ "deepwiki": {"type": "http", "url": "https://mcp.deepwiki.com/mcp"},
    "perplexity": {"command": "npx", "args": ["-y", "perplexity-mcp"],
                   "env": {"PERPLEXITY_API_KEY": "${input:key}"}},
  },
}""")
    got = by_server(check_mcp(root, ["deepwiki", "perplexity"], home=home))
    assert got["deepwiki"].state == "configured" and got["deepwiki"].file == ".vscode/mcp.json"
    assert got["perplexity"].state == "configured"


def test_claude_user_file_project_and_top_level_entries(dirs) -> None:
    root, home = dirs
    write(home / ".claude.json", json.dumps({
        "mcpServers": {"context7": {"type": "http", "url": "https://mcp.context7.com/mcp"}},
        "projects": {
            str(root.resolve()): {"mcpServers": {"laravel-boost": {"command": "php", "args": ["artisan", "boost:mcp"]}}},
            "/somewhere/else": {"mcpServers": {"deepwiki": {"url": "https://mcp.deepwiki.com/mcp"}}},
        },
    }))
    got = by_server(check_mcp(root, ["context7", "laravel-boost", "deepwiki"], home=home))
    assert (got["context7"].state, got["context7"].file) == ("configured", "~/.claude.json")
    assert got["laravel-boost"].state == "configured"
    assert got["deepwiki"].state == "missing"  # another project's entry does not count


def test_invalid_and_unreadable_configs_are_noted_not_raised(dirs) -> None:
    root, home = dirs
    write(root / ".mcp.json", '{"mcpServers": {"context7": ')
    (root / ".cursor").mkdir()
    (root / ".cursor" / "mcp.json").mkdir()  # a folder where a file belongs
    write(home / ".cursor" / "mcp.json", json.dumps({"mcpServers": {"deepwiki": {"url": "https://mcp.deepwiki.com/mcp"}}}))
    got = by_server(check_mcp(root, ["context7", "deepwiki"], home=home))
    assert got["deepwiki"].state == "configured"
    assert got["context7"].state == "missing"
    assert ".mcp.json invalid JSON (line 1" in got["context7"].detail
    assert ".cursor/mcp.json not a regular file" in got["context7"].detail


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_config_does_not_block(dirs) -> None:
    root, home = dirs
    os.mkfifo(root / ".mcp.json")
    start = time.monotonic()
    got = check_mcp(root, ["context7"], home=home)
    assert time.monotonic() - start < 1.0
    assert "not a regular file" in got[0].detail


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_is_noted(dirs) -> None:
    root, home = dirs
    write(root / ".mcp.json", "{}")
    (root / ".mcp.json").chmod(0)
    try:
        got = check_mcp(root, ["context7"], home=home)
    finally:
        (root / ".mcp.json").chmod(0o600)
    assert "permission denied" in got[0].detail


def test_disabled_entry_counts_as_missing_with_reason(dirs) -> None:
    root, home = dirs
    write(root / ".mcp.json", json.dumps({"mcpServers": {"deepwiki": {"url": "https://mcp.deepwiki.com/mcp", "disabled": True}}}))
    got = check_mcp(root, ["deepwiki"], home=home)[0]
    assert (got.state, got.entry) == ("missing", "deepwiki") and "disabled" in got.detail


def test_duplicates_and_spellings_collapse(dirs) -> None:
    root, home = dirs
    got = check_mcp(root, ["Context7", "context7", "sequential_thinking", "sequentialthinking"], home=home)
    assert [s.server for s in got] == ["Context7", "sequential_thinking"]


def test_unknown_server_recognised_by_its_name_in_the_command(dirs) -> None:
    root, home = dirs
    write(root / ".mcp.json", json.dumps({"mcpServers": {"pg": {"command": "npx", "args": ["-y", "postgres-mcp"]}}}))
    assert check_mcp(root, ["postgres"], home=home)[0].entry == "pg"


def test_load_jsonc_keeps_strings_intact() -> None:
    text = '{"a": "http://x//y", "b": "/* not a comment */", "c": "x,}", "d": [1, 2,], } // end'
    assert load_jsonc(text) == {"a": "http://x//y", "b": "/* not a comment */", "c": "x,}", "d": [1, 2]}
    assert load_jsonc('{"q": "say \\"hi\\" // there"}') == {"q": 'say "hi" // there'}


@pytest.mark.parametrize(
    ("value", "key", "expected"),
    [
        ("YOUR_API_KEY_HERE", "API_KEY", True),
        ("<your token>", "TOKEN", True),
        ("Bearer <token>", "Authorization", True),
        ("xxx", "KEY", True),
        ("sk-xxxx", "KEY", True),
        ("changeme", "PASSWORD", True),
        ("", "API_KEY", True),
        ("Bearer ", "Authorization", True),
        ("${PERPLEXITY_API_KEY}", "PERPLEXITY_API_KEY", False),
        ("${input:perplexity-key}", "KEY", False),
        ("Bearer ${GITHUB_PAT}", "Authorization", False),
        ("ghp_R3alLooking0Token", "TOKEN", False),
        ("", "MEMORY_PATH", False),
        (3, "PORT", False),
    ],
)
def test_is_placeholder(value, key, expected) -> None:
    assert is_placeholder(value, key) is expected


# --------------------------------------------------------------------------- the pipeline's own client


def test_a_server_only_in_another_clients_file_is_configured_for_that_client(dirs) -> None:
    root, home = dirs
    write(root / ".vscode/mcp.json", '{"servers": {"context7": {"command": "npx", "args": ["-y", "@upstash/context7-mcp"]},}}')
    write(root / ".cursor/mcp.json", json.dumps({"mcpServers": {"deepwiki": {"url": "https://mcp.deepwiki.com/sse"}}}))
    got = by_server(check_mcp(root, ["context7", "deepwiki", "github"], home=home, client="Cursor"))
    assert got["context7"].state == "elsewhere" and got["context7"].file == ".vscode/mcp.json"
    assert got["context7"].detail == "configured for VS Code only (.vscode/mcp.json as `context7`), not for Cursor"
    assert got["deepwiki"].state == "configured"
    assert got["github"].state == "missing" and "Cursor" in got["github"].detail
    # Without knowing the pipeline's client, any client's file configures it, as before.
    assert by_server(check_mcp(root, ["context7"], home=home))["context7"].state == "configured"


def test_a_claude_pipeline_reads_claude_files_only(dirs) -> None:
    root, home = dirs
    write(root / ".cursor/mcp.json", json.dumps({"mcpServers": {"context7": {"command": "npx context7"}}}))
    write(home / ".claude.json", json.dumps({"mcpServers": {"deepwiki": {"url": "https://mcp.deepwiki.com/mcp"}}}))
    got = by_server(check_mcp(root, ["context7", "deepwiki"], home=home, client="Claude Code"))
    assert (got["context7"].state, got["deepwiki"].state) == ("elsewhere", "configured")
    assert "for Cursor only" in got["context7"].detail


def test_uses_text_is_carried_by_name(dirs) -> None:
    root, home = dirs
    got = check_mcp(root, ["context7", "deepwiki"], home=home, uses={"context7": "for library documentation"})
    assert [(s.server, s.use) for s in got] == [("context7", "for library documentation"), ("deepwiki", "")]


def test_the_client_of_a_pipeline_is_where_its_prompts_live(tmp_path: Path) -> None:
    from planner_tui.core.pack.mcp_clients import pipeline_client

    assert pipeline_client(tmp_path, tmp_path / ".cursor/commands/20-roles/23-backend.md") == "Cursor"
    assert pipeline_client(tmp_path, tmp_path / ".claude/commands/23-backend.md", tmp_path / ".cursor/support") == "Claude Code"
    assert pipeline_client(tmp_path, None, tmp_path / "prompts") is None


def test_a_config_nested_too_deeply_is_a_note_not_a_crash(dirs) -> None:
    root, home = dirs
    write(root / ".vscode/mcp.json", "[" * 100_000)
    got = check_mcp(root, ["context7"], home=home)[0]
    assert got.state == "missing" and ".vscode/mcp.json invalid JSON (nested too deeply)" in got.detail
