from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.database import create_db_and_tables
from app.routers import blocking
from app.routers import users
from app.routers import orders as order_routes
from app.routers import sessions as session_routes


@asynccontextmanager
async def lifespan(app: FastAPI):
    create_db_and_tables()
    yield


app = FastAPI(title="Example shop", lifespan=lifespan)
app.include_router(blocking.router)
app.include_router(users.router)
app.include_router(session_routes.router)
app.include_router(order_routes.router)
