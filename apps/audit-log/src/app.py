"""Audit log handler."""

import json


def handler(event, context):
    """Print the event as one JSON line for CloudWatch Logs."""
    print(json.dumps(event, sort_keys=True))
    return {"logged": True}
