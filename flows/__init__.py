"""Prefect flows: they only put steps in order."""
