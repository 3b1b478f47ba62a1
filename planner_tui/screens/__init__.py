"""The workbench's screens: the workbench itself, help, search and the preparation view (modal dialogs live in `dialogs/`)."""

__all__ = ["WorkbenchScreen", "HelpScreen"]


def __getattr__(name: str):
    # Lazy, so importing one screen does not pull in the others (and their widgets).
    if name == "WorkbenchScreen":
        from planner_tui.screens.workbench.screen import WorkbenchScreen

        return WorkbenchScreen
    if name == "HelpScreen":
        from planner_tui.screens.help import HelpScreen

        return HelpScreen
    raise AttributeError(name)
