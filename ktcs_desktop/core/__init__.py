"""Qt-free core: domain models and services, usable from the CLI, tests and the GUI."""
