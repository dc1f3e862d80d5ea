"""Greetings for the demo layer's functions."""

__version__ = "1.0.0"


def greet(name: str) -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"
