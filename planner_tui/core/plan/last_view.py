"""The plan as last shown, kept under `.planner-tui/cache/`: the next start draws it before loading jinja2."""

from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from planner_tui.core import kinds
from planner_tui.core.discussion import answers
from planner_tui.core.plan import placing, render, revise
from planner_tui.core.plan.render import packaged_templates, project_templates
from planner_tui.core.storage.files import STATE_DIR, read_json, write_state_json
from planner_tui.core.storage.memo import Space
from planner_tui.core.text import contain, markdown

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner

__all__ = ["FORMAT", "shown_plan", "keep_shown_plan", "view_key"]

FORMAT = 1
"""Of the file; a file of any other format is ignored (and replaced)."""

_CODE = Space(
    "plan-view", (placing.__file__, answers.__file__, kinds.__file__, render.__file__, revise.__file__, contain.__file__, markdown.__file__), str, str
)
"""The modules whose code decides the plan's bytes: a kept plan is trusted only while they are unchanged."""


def _rel(planner: Planner) -> str:
    return f"cache/plan-views/{planner.epic.folder}/{planner.role.key}.json"


def _templates(h: "hashlib._Hash", folder: Path) -> None:
    """Every file a render may read from the template folder (extends and includes too, in
    subfolders as well), by path and bytes; nothing for a folder that does not exist."""
    for top, _dirs, names in sorted(os.walk(folder)):  # sorted once walked: a stable order
        for name in sorted(names):
            path = os.path.join(top, name)
            try:
                data = Path(path).read_bytes()
            except OSError:
                data = b"\0unreadable"
            rel = os.path.relpath(path, folder)
            h.update(f"\0{rel}\0{len(data)}\0".encode("utf-8", "surrogatepass") + data)


def _jinja2_stamp() -> str:
    """Which jinja2 is installed, without importing it (an upgrade gives its files new times)."""
    spec = find_spec("jinja2")
    origin = spec.origin if spec is not None else None
    if not origin:
        return "none"
    try:
        st = os.stat(origin)
    except OSError:
        return "unreadable"
    return f"{origin}:{st.st_size}:{st.st_mtime_ns}"


def view_key(planner: Planner) -> str | None:
    """What the plan's bytes depend on, hashed: the session file as read or written, the role,
    the epic title, every template, the rendering code and jinja2. None when the code cannot be read."""
    code = _CODE.version()
    if code is None:
        return None
    h = hashlib.blake2b(digest_size=20)
    raw = planner.store.raw
    parts = (str(FORMAT), code, _jinja2_stamp(), planner.role.model_dump_json(), planner.epic.title or "")
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    h.update(b"\0session\0" + (b"none" if raw is None else hashlib.blake2b(raw).digest()))
    _templates(h, project_templates(planner.project.root))
    _templates(h, packaged_templates())
    return h.hexdigest()


def shown_plan(planner: Planner) -> str | None:
    """The plan kept by `keep_shown_plan`, when it was rendered from everything as it is now."""
    data = read_json(planner.project.root / STATE_DIR / _rel(planner))
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("text"), str):
        return None
    key = data.get("key")
    if not isinstance(key, str) or key != view_key(planner):
        return None
    return data["text"]


def keep_shown_plan(planner: Planner, text: str) -> None:
    """Keep the plan shown for this session (rendered from the store's bytes as they are now)."""
    key = view_key(planner)
    if key is not None:
        write_state_json(planner.project.root, _rel(planner), {"format": FORMAT, "key": key, "text": text})
