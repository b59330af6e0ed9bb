"""SQLAlchemy models, Alembic migrations and session helpers."""
