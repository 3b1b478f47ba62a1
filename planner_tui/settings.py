"""The user's settings: a documented pydantic model read from a TOML file."""

from __future__ import annotations

import os
from pathlib import Path

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner_tui.core.errors import PlannerError

__all__ = ["Settings", "config_path", "load_settings", "RETIRED_KEYS"]

RETIRED_KEYS = frozenset({"full_markdown_limit"})
"""Keys older versions read and this one ignores: dropped on load, so an old settings file still loads
(any other unknown key is refused, to catch typos)."""


class Settings(BaseModel):
    """What a person can change about the workbench, in `~/.config/planner-tui/config.toml`.

    Example::

        theme = "gruvbox"
        markdown_limit = 32768

        [keymap]
        "plan.commit" = "ctrl+s,f10"
        "topic.next" = "alt+n"
    """

    # Descriptions are given as Field(description=...), not read from attribute docstrings:
    # pydantic reads those by parsing this file's source, which costs the start 10+ ms.
    model_config = ConfigDict(extra="forbid")

    theme: str = Field(
        default="textual-dark",
        description="A Textual theme name (`textual-dark`, `textual-light`, `nord`, `gruvbox`, `dracula`…).",
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description='Binding id -> keys (comma-separated), e.g. `"topic.next" = "alt+n"`; F1 lists the ids.',
    )
    markdown_limit: int = Field(
        default=64 * 1024,
        ge=0,
        description="Markdown artifacts up to this many bytes are shown styled (headings, lists, code; only the "
        "lines on screen are drawn); larger ones, and everything that is not markdown, are shown as plain text, "
        "which opens at once.",
    )
    poll_interval: float = Field(
        default=0.5,
        ge=0.1,
        le=10.0,
        description="Seconds between checks of the session file for changes made by another process.",
    )
    watch: bool = Field(default=True, description="Watch the artifacts and the session file for changes made outside the workbench.")
    agent_approval: bool = Field(
        default=False,
        description="An agent's decisions (over MCP, or `planner-tui add` as agent) count only once you keep them: "
        "each blocks the commit until you press R on it in the thread (or run `planner-tui reconfirm ID --as person`).",
    )
    cursor_blink: bool = Field(default=True, description="Blink the text cursor in the composer (tests and screenshots turn it off).")
    preparation: bool = Field(default=True, description="Open the preparation view when a session is new (F2 opens it at any time).")

    @model_validator(mode="before")
    @classmethod
    def _drop_retired(cls, data: Any) -> Any:
        if isinstance(data, dict) and RETIRED_KEYS.intersection(data):
            return {k: v for k, v in data.items() if k not in RETIRED_KEYS}
        return data

    @field_validator("keymap")
    @classmethod
    def _known_ids(cls, keymap: dict[str, str]) -> dict[str, str]:
        from planner_tui.keymap import binding_ids

        unknown = sorted(set(keymap) - binding_ids())
        if unknown:
            raise ValueError(f"unknown binding id {unknown[0]!r} (F1 lists the ids)")
        return keymap


def config_path() -> Path:
    """The settings file: `$PLANNER_TUI_CONFIG`, else `$XDG_CONFIG_HOME/planner-tui/config.toml`."""
    explicit = os.environ.get("PLANNER_TUI_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "planner-tui" / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; defaults when it does not exist, PlannerError when it is wrong."""
    target = path or config_path()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise PlannerError(f"Cannot read the settings file {target}: {exc.strerror or exc}.") from exc
    import tomllib  # only when there is a file: most starts have none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PlannerError(f"The settings file {target} is not valid TOML ({exc}).") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise PlannerError(f"The settings file {target} has a bad value for {where}: {first['msg']}.") from exc
