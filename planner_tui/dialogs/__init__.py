"""Modal dialogs: commit, prompts, the epic and role pickers, batch answers and recovery."""
