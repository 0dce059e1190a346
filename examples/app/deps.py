"""Dependencies of the example shop, including ones fastapi-lint's FPI2xx rules report."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from app.database import engine

# Factories are fine at module level, whatever they are called.
SessionLocal = sessionmaker(bind=engine, class_=Session)
async_engine = create_async_engine("sqlite+aiosqlite:///./shop.db")
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


async def get_async_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session


AsyncSessionDep = Annotated[AsyncSession, Depends(get_async_session)]


def get_legacy_db() -> Iterator[Session]:
    # FPI203: the session is closed only when the route succeeds (fix: try/finally).
    db = SessionLocal()
    yield db
    db.close()


LegacyDb = Annotated[Session, Depends(get_legacy_db)]
