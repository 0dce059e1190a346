"""FPI1xx: blocking work inside `async def` path operations, and what to write instead.

Every route below marked "FPI1xx" is reported by `fastapi-lint check examples/`; the `ok_*`
routes show the fixed forms and are not.
"""

import asyncio
import hashlib
import subprocess
import time

import httpx
from fastapi import APIRouter, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlmodel import select

from app.database import SessionDep
from app.models import Item
from app.services import price_in, report_path, slow_report

router = APIRouter(prefix="/blocking", tags=["blocking"])
rates = httpx.Client(base_url="https://rates.example")


@router.get("/sleep")
async def sleepy():
    time.sleep(0.01)  # FPI101
    return {"slept": True}


@router.get("/rate/{currency}")
async def rate(currency: str):
    return rates.get(f"/{currency}").json()  # FPI102


@router.get("/git-version")
async def git_version():
    return subprocess.check_output(["git", "--version"], text=True)  # FPI103


@router.get("/reports/{name}")
async def read_report(name: str):
    return {"text": report_path(name).read_text()}  # FPI104


@router.post("/upload")
async def upload(file: UploadFile):
    return {"size": len(file.file.read())}  # FPI105


@router.get("/items")
async def list_items(session: SessionDep):
    return session.exec(select(Item)).all()  # FPI107


@router.post("/password-hash")
async def password_hash(password: str):
    return {"hash": hashlib.pbkdf2_hmac("sha256", password.encode(), b"salt", 600_000).hex()}  # FPI108


@router.get("/report")
async def report():
    return {"status": await asyncio.to_thread(slow_report(0.5))}  # FPI109


@router.get("/report-inline")
async def report_inline():
    # FPI110: slow_report → time.sleep, in app/services.py
    return {"status": slow_report(0.5)}


@router.get("/price")
async def price(amount: float, currency: str):
    # FPI110: price_in → exchange_rate → httpx.get, in app/services.py
    return {"price": price_in(amount, currency)}


# The same work, written so it does not block the event loop.


@router.get("/ok/sleep")
async def ok_sleep():
    await asyncio.sleep(0.01)
    return {"slept": True}


@router.get("/ok/rate/{currency}")
async def ok_rate(currency: str):
    async with httpx.AsyncClient(base_url="https://rates.example") as client:
        response = await client.get(f"/{currency}")
    return response.json()


@router.post("/ok/upload")
async def ok_upload(file: UploadFile):
    return {"size": len(await file.read())}


@router.get("/ok/items")
def ok_list_items(session: SessionDep):
    return session.exec(select(Item)).all()  # a def route runs in the threadpool


@router.get("/ok/report")
async def ok_report():
    return {"status": await asyncio.to_thread(slow_report, 0.5)}


@router.get("/ok/price")
async def ok_price(amount: float, currency: str):
    return {"price": await run_in_threadpool(price_in, amount, currency)}


@router.get("/ok/report-path/{name}")
async def ok_report_path(name: str):
    return {"path": str(report_path(name))}  # pure path work
