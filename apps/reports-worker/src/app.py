"""Reports worker handler."""

from greeting import greet


def handler(event, context):
    """Return the report header for the team named in the event."""
    return {"header": greet(event.get("team", "team"))}
