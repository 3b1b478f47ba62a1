"""The workbench screen and the parts it holds."""

from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["WorkbenchScreen"]
