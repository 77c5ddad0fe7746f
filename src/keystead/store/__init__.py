"""Durable storage: one SQLAlchemy model, SQLite or PostgreSQL chosen by URL."""
