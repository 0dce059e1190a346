"""Plain sync helpers the routers call. Each one is fine in a `def` path operation or in a
threadpool, and blocks the event loop when an `async def` calls it directly (FPI110)."""

import hashlib
import time
from pathlib import Path

import httpx

REPORTS = Path("reports")


def slow_report(seconds: float) -> str:
    time.sleep(seconds)
    return "report ready"


def exchange_rate(currency: str) -> float:
    response = httpx.get(f"https://rates.example/{currency}", timeout=3)
    return float(response.json()["rate"])


def price_in(amount: float, currency: str) -> float:
    return amount * exchange_rate(currency)


def hash_password(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000).hex()


def report_path(name: str) -> Path:
    return REPORTS / f"{name}.txt"  # pure path work: never blocking
