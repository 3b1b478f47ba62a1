"""The workbench's screens: the workbench itself, help, and small prompts (dialogs live beside them)."""

__all__ = ["WorkbenchScreen", "HelpScreen", "PromptScreen"]


def __getattr__(name: str):
    # Lazy, so importing one screen does not pull in the others (and their widgets).
    if name == "WorkbenchScreen":
        from planner_tui.screens.workbench import WorkbenchScreen

        return WorkbenchScreen
    if name == "HelpScreen":
        from planner_tui.screens.help import HelpScreen

        return HelpScreen
    if name == "PromptScreen":
        from planner_tui.screens.prompt import PromptScreen

        return PromptScreen
    raise AttributeError(name)
