"""Farewells for the demo layer's functions."""

__version__ = "1.0.0"


def farewell(name: str) -> str:
    """Return a farewell for ``name``."""
    return f"Goodbye, {name}!"
