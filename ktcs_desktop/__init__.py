"""KT CS AI 상담원 — a desktop assistant for KT call-center agents."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("ktcs-desktop")
except _metadata.PackageNotFoundError:  # running from a source tree or a frozen bundle
    __version__ = "0.1.0"
