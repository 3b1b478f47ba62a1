"""The workbench screen and the parts it holds: changes, live updates, marks, navigation, edits, tools, trust."""

from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["WorkbenchScreen"]
