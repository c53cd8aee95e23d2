"""Shared test helpers: fakes and stub servers."""
