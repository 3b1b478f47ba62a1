"""Writing an entry in the person's own editor ($VISUAL, else $EDITOR): the text goes out in a file and comes back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

__all__ = ["editor_command", "edit_in_editor", "EditorError"]


class EditorError(Exception):
    """The editor could not be run, or failed; the message says why in a sentence."""


def editor_command(env: dict[str, str] | None = None) -> list[str] | None:
    """The editor to run, split as a shell would (`code --wait`), or None when neither variable is set."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = (env.get(name) or "").strip()
        if value:
            return shlex.split(value)
    return None


def edit_in_editor(text: str, command: list[str]) -> str:
    """Run the editor on a temporary file holding text; return what it holds when the editor exits.

    The file is removed afterwards. A non-zero exit (`:cq` in vim) keeps the text as it was, as
    git does with a commit message.
    """
    handle, name = tempfile.mkstemp(prefix="planner-tui-entry-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise EditorError(f"Could not run the editor {command[0]!r}: {exc.strerror or exc}.") from exc
        if result.returncode != 0:
            raise EditorError(f"The editor exited with status {result.returncode}; the text is unchanged.")
        try:
            return path.read_text(encoding="utf-8").rstrip("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise EditorError(f"Could not read the edited text back: {exc}.") from exc
    finally:
        path.unlink(missing_ok=True)
