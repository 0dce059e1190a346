"""Response models that leak secret fields (FPI3xx) next to the way FastAPI documents it.

`User` (app/models.py) is the table model with `hashed_password`; `UserPublic` is its public
twin and `UserCreate` the input model with the plain `password`.
"""

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import select

from app.database import SessionDep
from app.models import User, UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.post("/", response_model=UserPublic)
def create_user(data: UserCreate, session: SessionDep):
    # OK: the documented pattern; the public response model filters hashed_password.
    user = User.model_validate(data, update={"hashed_password": "hashed-" + data.password})
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


@router.get("/{user_id}")
def read_user(user_id: int, session: SessionDep):
    # FPI301: no response model, so every field is sent (fix: response_model=UserPublic).
    return session.get(User, user_id)


@router.get("/", response_model=list[User])
def list_users(session: SessionDep):
    # FPI302: the table model is the response model (fix: list[UserPublic]).
    return session.exec(select(User)).all()


@router.post("/signup")
def signup(data: UserCreate) -> UserCreate:
    # FPI303: the input model is echoed back with the password the client sent.
    return data


@router.get("/{user_id}/export")
def export_user(user_id: int, session: SessionDep):
    # FPI304: a hand-built response is never filtered by a response model.
    return JSONResponse(content=jsonable_encoder(session.get(User, user_id)))


@router.get("/{user_id}/profile", response_model=User, response_model_exclude={"hashed_password"})
def read_profile(user_id: int, session: SessionDep):
    # FPI305: the exclusion hides the hash, but the OpenAPI schema still documents it.
    return session.get(User, user_id)
