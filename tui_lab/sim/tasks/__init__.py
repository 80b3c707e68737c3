"""Seeded data generators for the lab's tasks."""
