"""Tests of the live-call audio core (`ktcs_desktop.core.speech`)."""
