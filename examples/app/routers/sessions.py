"""Database-session mistakes (FPI2xx) next to the way FastAPI documents it."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session, create_engine, select

from app.database import DATABASE_URL, SessionDep, engine, get_session
from app.deps import AsyncSessionDep, LegacyDb, SessionLocal
from app.models import Item, User, UserPublic

router = APIRouter(prefix="/sessions", tags=["sessions"])

# FPI204: one session for the whole process, shared by concurrent requests.
shared_session = SessionLocal()


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep):
    # OK: one session per request, injected and closed by get_session.
    return session.exec(select(User)).all()


@router.get("/users/{user_id}", response_model=UserPublic | None)
def read_user_by_hand(user_id: int):
    # FPI201: opened inside the route (unsafe fix: `session: SessionDep`).
    with Session(engine) as session:
        return session.get(User, user_id)


@router.get("/items/count")
def count_items():
    # FPI202: a new engine (and connection pool) on every request.
    per_request = create_engine(DATABASE_URL)
    with per_request.connect() as conn:  # FPI201 too: a connection opened in the route
        return {"count": len(conn.exec_driver_sql("SELECT id FROM item").all())}


@router.get("/items/shared")
def shared_items():
    return shared_session.exec(select(Item)).all()  # FPI204


@router.get("/items/legacy")
def legacy_items(db: LegacyDb):
    return db.exec(select(Item)).all()


@router.post("/items/{item_id}/rename")
async def rename_item(item_id: int, name: str, session: AsyncSessionDep):
    item = await session.get(Item, item_id)
    if item is not None:
        item.name = name
        session.commit()  # FPI205: never awaited, nothing is stored (unsafe fix: await)
    return {"renamed": item is not None}


# FPI206 (fix: `Depends(get_session)`): FastAPI gets a generator object instead of the function;
# a route declaring a parameter of this type fails when it is registered, so none does here.
CalledSession = Annotated[Session, Depends(get_session())]


@router.get("/items/by-hand")
def driven_by_hand():
    session = next(get_session())  # FPI207: get_session's cleanup never runs
    return session.exec(select(Item)).all()
