"""Application services: what the CLI and the UI call."""
