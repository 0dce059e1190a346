"""Work the shop runs after a response is sent (see app/routers/orders.py).

Plain `def` tasks run in the threadpool, so blocking calls are fine in them; an `async def` task
runs on the event loop and must not block.
"""

import time
from pathlib import Path

from sqlmodel import Session

from app.database import engine
from app.models import Item

OUTBOX = Path("outbox")


def send_confirmation(email: str, order_id: int) -> None:
    OUTBOX.mkdir(exist_ok=True)
    (OUTBOX / f"order-{order_id}.txt").write_text(f"to: {email}\norder {order_id} received\n")


def record_sale(item_id: int) -> None:
    # Opens its own session: the request's session may be closed by the time this runs.
    with Session(engine) as session:
        item = session.get(Item, item_id)
        if item is not None:
            session.add(item)
            session.commit()


def record_sale_with(session: Session, item_id: int) -> None:
    item = session.get(Item, item_id)
    if item is not None:
        session.commit()


async def notify_warehouse(order_id: int) -> None:  # FPI404: async task that blocks
    time.sleep(0.01)  # stands for a sync SDK call  (FPI101 reports the call itself)


def export_orders_csv() -> None:
    time.sleep(0.01)  # stands for a long export (FPI408, opt-in, suggests a task queue)


def log_request_finished(path: str) -> None:
    print("finished", path)
