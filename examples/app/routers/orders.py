"""FPI4xx: background tasks that run inline, never, on the event loop, or too late.

Every line marked "FPI4xx" is reported by `fastapi-lint check examples/` (FPI408 only with
`--extend-select FPI408`); the `ok_*` routes show the right forms and are not.
"""

import asyncio
from collections.abc import Iterator

from fastapi import APIRouter, BackgroundTasks, Depends
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.database import SessionDep
from app.tasks import (
    export_orders_csv,
    log_request_finished,
    notify_warehouse,
    record_sale,
    record_sale_with,
    send_confirmation,
)

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("/{order_id}/confirm")
def confirm(order_id: int, email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_confirmation(email, order_id))  # FPI401 (safe fix)
    return {"order": order_id}


@router.post("/{order_id}/confirm-later")
def confirm_later(order_id: int, email: str):
    tasks = BackgroundTasks()  # FPI402: never attached, the email is never sent
    tasks.add_task(send_confirmation, email, order_id)
    return {"order": order_id}


def add_shipping_routes(shipping: APIRouter) -> None:
    """Never called by app.main: FastAPI refuses this route when it is declared (the error FPI403
    reports before deployment), so registering it would stop the example app from starting."""

    @shipping.post("/{order_id}/ship")
    async def ship(order_id: int, tasks: BackgroundTask):  # FPI403 (safe fix)
        tasks.add_task(notify_warehouse, order_id)
        return {"order": order_id}


@router.post("/{order_id}/warehouse")
async def warehouse(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_warehouse, order_id)  # see FPI404 in app/tasks.py
    return {"order": order_id}


@router.post("/sales/{item_id}")
def sell(item_id: int, session: SessionDep, background_tasks: BackgroundTasks):
    background_tasks.add_task(record_sale_with, session, item_id)  # FPI405
    return {"item": item_id}


def request_log(path: str, background_tasks: BackgroundTasks) -> Iterator[str]:
    yield path
    background_tasks.add_task(log_request_finished, path)  # FPI406: never runs


@router.get("/audit")
def audit(logged: str = Depends(request_log)):
    return {"path": logged}


@router.post("/{order_id}/notify")
async def notify(order_id: int):
    asyncio.create_task(notify_warehouse(order_id))  # FPI407: the task may vanish
    return {"order": order_id}


@router.post("/export")
def export(background_tasks: BackgroundTasks):
    background_tasks.add_task(export_orders_csv)  # FPI408 (opt-in): use a task queue
    return {"started": True}


# -- the same jobs, written right --------------------------------------------------------------


@router.post("/{order_id}/ok-confirm")
def ok_confirm(order_id: int, email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_confirmation, email, order_id)
    return {"order": order_id}


@router.post("/{order_id}/ok-confirm-response")
def ok_confirm_response(order_id: int, email: str):
    # A single task attached to the response by hand runs after it is sent.
    task = BackgroundTask(send_confirmation, email, order_id)
    return JSONResponse({"order": order_id}, background=task)


@router.post("/ok-sales/{item_id}")
def ok_sell(item_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(record_sale, item_id)  # opens its own session
    return {"item": item_id}


running: set[asyncio.Task] = set()


@router.post("/{order_id}/ok-notify")
async def ok_notify(order_id: int):
    task = asyncio.create_task(notify_warehouse(order_id))
    running.add(task)
    task.add_done_callback(running.discard)
    return {"order": order_id}
