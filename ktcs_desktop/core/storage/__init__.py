"""Persistence: SQLAlchemy models, migrations, repositories and seed data."""
