"""Orders API handler."""

from greeting import greet


def handler(event, context):
    """Return a greeting for the customer named in the event."""
    return {"statusCode": 200, "body": greet(event.get("customer", "customer"))}
