"""Plain sync helpers the routers call."""

import time


def slow_report(seconds: float) -> str:
    time.sleep(seconds)
    return "report ready"
