"""Every rule's documentation is linted: its "Example" must be reported by the rule, its "Use
instead" must not be (Fixit's VALID/INVALID cases, on the blocks users read).

The blocks are short, as docs should be, so each runs inside a small project that gives it what
the prose takes for granted (`app/models.py` with a `User` that has `hashed_password`, a session
dependency...): CONTEXT below, per rule. A block is the module `app/example.py`, after the rule's
`preamble` (imports and objects the block names without defining); a block made of several
`# name.py` sections is those modules. Sections of the Example are kept for the Use instead (it
may import a helper the Example defined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import run_json

from fastapi_lint.rules.registry import RULES

BLOCK = re.compile(r"```python\n(.*?)```", re.S)
FILE_MARK = re.compile(r"^# (\w+\.py)$", re.M)

DATABASE = """\
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import create_engine

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("sqlite+aiosqlite://")
AsyncSessionLocal = async_sessionmaker(async_engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_async_session():
    async with AsyncSessionLocal() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
AsyncSessionDep = Annotated[AsyncSession, Depends(get_async_session)]
"""

MODELS = """\
from sqlmodel import Field, SQLModel


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str


class UserBase(SQLModel):
    username: str


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str


class UserPublic(UserBase):
    id: int
"""

SECURITY = """\
from typing import Annotated

from fastapi import Depends

from .models import User


def get_current_user() -> User:
    raise NotImplementedError


CurrentUser = Annotated[User, Depends(get_current_user)]
"""

APP = {"app/__init__.py": "", "app/database.py": DATABASE, "app/models.py": MODELS}
FASTAPI_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
# A route that makes `app.example.get_db`/`get_session` a dependency.
USES_DEPENDENCY = """\
from fastapi import Depends, FastAPI

from .example import {name}

app = FastAPI()


@app.get("/")
def root(db=Depends({name})):
    return None
"""


@dataclass
class Context:
    files: dict[str, str] = field(default_factory=lambda: dict(APP))
    preamble: str = ""
    #: Only for the Use instead block (what it takes from the Example).
    use_preamble: str = ""
    config: str = ""


SECRETS_PREAMBLE = (
    "from fastapi import FastAPI\nfrom sqlmodel import Session, select\n\n"
    "from .database import SessionDep\nfrom .models import User, UserPublic\n\napp = FastAPI()\n"
)

CONTEXT: dict[str, Context] = {
    "FPI107": Context(
        preamble="from fastapi import FastAPI\nfrom sqlmodel import select\n\n"
        "from .database import SessionDep\nfrom .models import Item\n\napp = FastAPI()\n"
    ),
    "FPI111": Context(
        config='[tool.fastapi-lint.rules]\nblocking-calls = ["legacy_sdk.fetch_invoice"]\n'
    ),
    "FPI202": Context(files={**APP, "app/routes.py": USES_DEPENDENCY.format(name="get_session")}),
    "FPI203": Context(
        files={**APP, "app/routes.py": USES_DEPENDENCY.format(name="get_db")},
        preamble="from .database import SessionLocal\n",
    ),
    "FPI205": Context(
        preamble="from fastapi import APIRouter\n\nfrom .database import AsyncSessionDep\n"
        "from .models import Item\n\nrouter = APIRouter()\n"
    ),
    "FPI206": Context(
        preamble="from fastapi import Depends, FastAPI\nfrom sqlalchemy.orm import Session\n\n"
        "from .database import get_db\n\napp = FastAPI()\n"
    ),
    "FPI207": Context(
        preamble="from fastapi import Depends, FastAPI\nfrom sqlalchemy.orm import Session\n\n"
        "from .database import get_db\nfrom .models import Item\n\napp = FastAPI()\n"
    ),
    "FPI301": Context(preamble=SECRETS_PREAMBLE),
    "FPI302": Context(preamble=SECRETS_PREAMBLE),
    "FPI303": Context(
        preamble="from fastapi import FastAPI\nfrom pydantic import BaseModel\n\napp = FastAPI()\n",
        use_preamble="class UserIn(BaseModel):\n    username: str\n    password: str\n",
    ),
    "FPI304": Context(
        files={**APP, "app/security.py": SECURITY},
        preamble=SECRETS_PREAMBLE
        + "from fastapi.encoders import jsonable_encoder\nfrom fastapi.responses import JSONResponse\n"
        "\nfrom .security import CurrentUser\n",
    ),
    "FPI305": Context(preamble=SECRETS_PREAMBLE),
    "FPI406": Context(
        files={**APP, "app/routes.py": USES_DEPENDENCY.format(name="get_db")},
        preamble="from fastapi import BackgroundTasks\n\nfrom .database import SessionLocal\n\n\n"
        "def report_pool_usage():\n    pass\n",
    ),
    "FPI408": Context(
        preamble="from fastapi import BackgroundTasks, FastAPI\n\napp = FastAPI()\n\n\n"
        "def export_all_orders():\n    pass\n",
    ),
}


def blocks(docs: str, title: str) -> list[str]:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", docs, re.S | re.M)
    return BLOCK.findall(match.group(1)) if match else []


def sections(code: str) -> dict[str, str]:
    """`# services.py` ... `# routes.py` ...: one module each; else the whole block."""
    marks = list(FILE_MARK.finditer(code))
    if not marks:
        return {"app/example.py": code}
    found = {}
    for mark, end in zip(marks, [*marks[1:], None], strict=True):
        found[f"app/{mark.group(1)}"] = code[mark.end() : end.start() if end else None]
    return found


def findings(root: Path, code: str, files: dict[str, str], context: Context) -> set[str]:
    """The files (relative names) where `code` is reported."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "docs"\ndependencies = ["fastapi>=0.110"]\n\n{context.config}'
    )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    items = run_json("check", ".", "--no-cache", "--select", code, cwd=root)
    return {Path(item["filename"]).relative_to(root.resolve()).as_posix() for item in items}


def cases():
    for rule in RULES:
        examples = blocks(rule.docs, "Example")
        if not examples and rule.code == "FPI002":
            continue  # an internal error has no code to show
        assert examples, f"{rule.code} documents no Example block"
        assert blocks(rule.docs, "Use instead"), f"{rule.code} documents no Use instead block"
        yield pytest.param(rule, id=rule.code)


@pytest.mark.parametrize("rule", list(cases()))
def test_example_is_reported_and_use_instead_is_not(rule, tmp_path: Path) -> None:
    context = CONTEXT.get(rule.code, Context())
    example_files: dict[str, str] = {}
    for number, code in enumerate(blocks(rule.docs, "Example")):
        modules = {name: context.preamble + text for name, text in sections(code).items()}
        example_files.update(modules)
        files = {**context.files, **modules}
        reported = findings(tmp_path / f"example{number}", rule.code, files, context)
        assert reported & set(modules), f"{rule.code}: its Example is not reported\n{code}"
    for number, code in enumerate(blocks(rule.docs, "Use instead")):
        modules = {
            name: context.preamble + context.use_preamble + text
            for name, text in sections(code).items()
        }
        files = {**context.files, **example_files, **modules}
        reported = findings(tmp_path / f"use{number}", rule.code, files, context)
        assert not reported & set(modules), f"{rule.code}: its Use instead is reported\n{code}"
