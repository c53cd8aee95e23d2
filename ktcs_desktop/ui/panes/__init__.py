"""The main window's panes."""
