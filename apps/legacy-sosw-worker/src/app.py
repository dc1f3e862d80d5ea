"""sosw worker handler."""

from sosw import Worker


class LegacyWorker(Worker):
    """Worker that processes the tasks sosw's orchestrator sends it."""

    def __call__(self, event):
        return super().__call__(event)


global_vars = None


def handler(event, context):
    """Run the worker once per invocation."""
    return LegacyWorker(custom_config={})(event)
