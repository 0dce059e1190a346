"""The index gates (`Rule.could_apply`) are exact: with them on, a file is parsed with LibCST
only when some rule can report in it, and the findings are the same as with every rule run on
every file whose trigger text it holds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, count_parses, run_cli

from fastapi_lint.engine import linting

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _lint(path: Path, monkeypatch, *, gates: bool) -> tuple[list[dict], int]:
    """(JSON findings, files parsed with LibCST) of one uncached run of every rule."""
    with monkeypatch.context() as patch:
        patch.setattr(linting, "GATES", gates)
        parsed = count_parses(patch)
        proc = run_cli(
            "check",
            str(path),
            "--no-cache",
            "--extend-select",
            "ALL",
            "--jobs",
            "1",
            "--output-format",
            "json",
        )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), len(parsed)


def _without_rule_options(source: Path, target: Path) -> Path:
    """A copy of the fixture tree with `[tool.fastapi-lint.rules]` removed: the configured
    session factory opens the session family's gate everywhere, so the tree is also linted
    without it (both sides of the comparison with the same settings)."""
    shutil.copytree(source, target)
    config = target / "pyproject.toml"
    text = config.read_text()
    config.write_text(re.sub(r"(?ms)^\[tool\.fastapi-lint\.rules\].*", "", text))
    return target


@pytest.mark.parametrize("tree", ["fixtures", "fixtures-without-rule-options", "examples"])
def test_gates_change_no_finding(tree: str, tmp_path: Path, monkeypatch) -> None:
    path = {"fixtures": FIXTURES, "examples": EXAMPLES}.get(tree)
    if path is None:
        path = _without_rule_options(FIXTURES, tmp_path / "fixtures")
    gated, gated_parses = _lint(path, monkeypatch, gates=True)
    ungated, ungated_parses = _lint(path, monkeypatch, gates=False)
    assert gated == ungated
    assert gated, "the tree has findings to compare"
    # The gates do decide something: fewer files reach LibCST.
    assert gated_parses < ungated_parses


def _write(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


ROUTE_WITH_DEPENDENCY = (
    "from fastapi import Depends, FastAPI\n"
    "from .deps import get_store\n\n"
    "app = FastAPI()\n\n\n"
    "@app.get('/')\n"
    "def index(store=Depends(get_store)):\n"
    "    return {}\n"
)


def _parsed_names(root: Path, monkeypatch) -> tuple[set[str], set[tuple[str, str]]]:
    """(modules parsed with LibCST, (file, code) findings) of a run of the default rules."""
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import LintOptions, lint_paths

    parsed = count_parses(monkeypatch)
    run = lint_paths([root], load_settings(root), LintOptions(use_cache=False, jobs=1))
    names = set()
    for path in root.rglob("*.py"):
        if path.read_text() in parsed:
            names.add(path.name)
    return names, {(Path(f.path).name, f.code) for f in run.findings}


def test_session_rules_skip_modules_no_session_library_reaches(tmp_path, monkeypatch) -> None:
    """A route and its dependency, neither of which can see `sqlalchemy`/`sqlmodel`: no session
    rule can report there. Nothing else can in the dependency's module, so it is not parsed
    (the route's module still is, for the secret and `Depends` rules)."""
    root = _write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/deps.py": "def get_store():\n    return {}\n",
            "shop/routes.py": ROUTE_WITH_DEPENDENCY,
        },
    )
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.rules.registry import RULES

    settings = load_settings(root)
    index = project_index(settings)
    for rule in RULES:
        if rule.code in ("FPI201", "FPI202", "FPI203", "FPI204", "FPI205"):
            assert not rule.could_apply(index, "shop.routes", settings), rule.code
            assert not rule.could_apply(index, "shop.deps", settings), rule.code
    parsed, findings = _parsed_names(root, monkeypatch)
    assert "deps.py" not in parsed and findings == set()


def test_a_session_library_reached_through_a_reexport_opens_the_gate(tmp_path, monkeypatch) -> None:
    """The session comes from a package that re-exports a module importing `sqlmodel`: the
    route module is visible to it, is parsed, and gets its finding."""
    root = _write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/db/__init__.py": "from .engine import make_session\n",
            "shop/db/engine.py": (
                "from sqlmodel import Session, create_engine\n\n"
                "engine = create_engine('sqlite://')\n\n\n"
                "def make_session():\n    return Session(engine)\n"
            ),
            "shop/deps.py": "def get_store():\n    return {}\n",
            "shop/routes.py": (
                "from fastapi import Depends, FastAPI\n"
                "from . import db\n"
                "from .deps import get_store\n\n"
                "app = FastAPI()\n\n\n"
                "@app.get('/')\n"
                "def index(store=Depends(get_store)):\n"
                "    session = db.make_session()\n"
                "    return {}\n"
            ),
        },
    )
    parsed, findings = _parsed_names(root, monkeypatch)
    assert "routes.py" in parsed
    assert ("routes.py", "FPI201") in findings
    assert "deps.py" not in parsed


def test_state_assigned_anywhere_reaches_every_module(tmp_path, monkeypatch) -> None:
    """`app.state.db = SessionLocal()` in a module nobody imports still types
    `request.app.state.db` everywhere: that module is visible from every module."""
    root = _write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/startup.py": (
                "from fastapi import FastAPI\n"
                "from sqlalchemy import create_engine\n"
                "from sqlalchemy.orm import sessionmaker\n\n"
                "app = FastAPI()\n"
                "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n"
                "app.state.factory = SessionLocal\n"
            ),
            "shop/routes.py": (
                "from fastapi import APIRouter, Request\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/')\n"
                "def index(request: Request):\n"
                "    db = request.app.state.factory()\n"
                "    return {}\n"
            ),
        },
    )
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.index.closure import visible_modules

    settings = load_settings(root)
    index = project_index(settings)
    assert "shop.startup" in visible_modules(index, "shop.routes")
    parsed, _findings = _parsed_names(root, monkeypatch)
    assert "routes.py" in parsed


def test_cached_gate_answer_follows_the_modules_it_read(tmp_path) -> None:
    """A route module skipped because no session library was visible is linted again, and
    reported, once a module it imports starts handing out sessions."""
    root = _write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/deps.py": "def get_store():\n    return {}\n",
            "shop/routes.py": ROUTE_WITH_DEPENDENCY.replace(
                "    return {}\n", "    db = open_db()\n    return {}\n"
            ).replace("from .deps import get_store\n", "from .deps import get_store, open_db\n"),
        },
    )
    (root / "shop/deps.py").write_text(
        "def get_store():\n    return {}\n\n\ndef open_db():\n    return None\n"
    )

    def codes() -> set[tuple[str, str]]:
        proc = run_cli("check", str(root), "--output-format", "json")
        assert proc.returncode in (0, 1), proc.stderr
        return {(Path(f["filename"]).name, f["code"]) for f in json.loads(proc.stdout)}

    assert codes() == set()
    (root / "shop/deps.py").write_text(
        "from sqlmodel import Session, create_engine\n\n"
        "engine = create_engine('sqlite://')\n\n\n"
        "def get_store():\n    return {}\n\n\n"
        "def open_db():\n    return Session(engine)\n"
    )
    assert ("routes.py", "FPI201") in codes()


def test_fpi112_gate_needs_a_dropped_call(tmp_path, monkeypatch) -> None:
    """FPI112 reports a call made as a statement in an `async def`: an async function whose
    calls are all awaited or used is not parsed for it, one with a bare call is."""
    root = _write(
        tmp_path,
        {
            "jobs.py": (
                "import asyncio\n\n\n"
                "async def audit():\n    await asyncio.sleep(0)\n\n\n"
                "async def used():\n    return await audit()\n"
            ),
            "main.py": (
                "import asyncio\n\nfrom jobs import audit\n\n\n"
                "async def main():\n    audit()\n\n\n"
                "asyncio.run(main())\n"
            ),
        },
    )
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.rules.blocking.fpi112_unawaited_project_coroutine import (
        UnawaitedProjectCoroutine,
    )

    settings = load_settings(root)
    index = project_index(settings)
    assert not UnawaitedProjectCoroutine.could_apply(index, "jobs", settings)
    assert UnawaitedProjectCoroutine.could_apply(index, "main", settings)
    _parsed, findings = _parsed_names(root, monkeypatch)
    assert ("main.py", "FPI112") in findings


SECRET_MODELS = (
    "from pydantic import BaseModel\n\n\n"
    "class User(BaseModel):\n    name: str\n    hashed_password: str\n\n\n"
    "class UserPublic(BaseModel):\n    name: str\n"
)
SECRET_SERVICE = (
    "from .models import User\n\n\n"
    "def current_user() -> User:\n    return User(name='a', hashed_password='x')\n"
)


def test_secret_rules_skip_routes_that_cannot_send_a_secret(tmp_path, monkeypatch) -> None:
    """The FPI3xx gate asks the family's own questions of the summary: a route module whose
    routes return dicts or public models, or declare a public response model, is not parsed
    for the family; one whose route returns the secret-bearing model through a service, builds
    a `Response` from it, or returns a value deeper than the summary keeps, is."""
    root = _write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": SECRET_MODELS,
            "shop/service.py": SECRET_SERVICE,
            "shop/public.py": (
                "from fastapi import APIRouter\n\n"
                "from .models import UserPublic\n"
                "from .service import current_user\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/ok')\n"
                "def ok():\n    return {'ok': True, 'password': 'not a model field'}\n\n\n"
                "@router.get('/me', response_model=UserPublic)\n"
                "def me():\n    return current_user()\n"
            ),
            "shop/leaky.py": (
                "from fastapi import APIRouter\n\n"
                "from .service import current_user\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/me')\n"
                "def me():\n    user = current_user()\n    return user\n"
            ),
            "shop/response.py": (
                "from fastapi import APIRouter\n"
                "from fastapi.encoders import jsonable_encoder\n"
                "from fastapi.responses import JSONResponse\n\n"
                "from .models import UserPublic\n"
                "from .service import current_user\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/me', response_model=UserPublic)\n"
                "def me():\n"
                "    response = JSONResponse(content=jsonable_encoder(current_user()))\n"
                "    return response\n"
            ),
            "shop/deep.py": (
                "from fastapi import APIRouter\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/deep')\n"
                "def deep():\n    return f(g(h(i(j(k(l(m(1))))))))\n"
            ),
        },
    )
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.rules.secrets.fpi301_secret_model_returned_unfiltered import (
        SecretModelReturnedUnfiltered,
    )

    settings = load_settings(root)
    index = project_index(settings)
    gate = {
        name: SecretModelReturnedUnfiltered.could_apply(index, f"shop.{name}", settings)
        for name in ("public", "leaky", "response", "deep", "models")
    }
    assert gate == {
        "public": False,
        "leaky": True,
        "response": True,
        "deep": True,  # the summary cut the returned expression: kept
        "models": False,  # no route
    }
    proc = run_cli("check", str(root), "--no-cache", "--select", "FPI3", "--output-format", "json")
    assert proc.returncode == 1, proc.stderr
    found = {(Path(f["filename"]).name, f["code"]) for f in json.loads(proc.stdout)}
    assert found == {("leaky.py", "FPI301"), ("response.py", "FPI304")}


def test_secret_gate_follows_the_policy(tmp_path) -> None:
    """A field named as a secret only by `extend-secret-field-patterns` opens the gate; one an
    `allowed-secret-models` entry allows keeps it shut."""
    files = {
        "shop/__init__.py": "",
        "shop/models.py": (
            "from pydantic import BaseModel\n\n\n"
            "class Card(BaseModel):\n    name: str\n    pin_code: str\n"
        ),
        "shop/routes.py": (
            "from fastapi import APIRouter\n\n"
            "from .models import Card\n\n"
            "router = APIRouter()\n\n\n"
            "@router.get('/card', response_model=Card)\n"
            "def card():\n    return Card(name='a', pin_code='1')\n"
        ),
    }
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.rules.secrets.fpi302_secret_field_in_response_model import (
        SecretFieldInResponseModel,
    )

    answers = []
    for options in (
        "",
        '[tool.fastapi-lint.rules]\nextend-secret-field-patterns = ["pin_code"]\n',
        '[tool.fastapi-lint.rules]\nextend-secret-field-patterns = ["pin_code"]\n'
        'allowed-secret-models = ["Card"]\n',
    ):
        root = tmp_path / f"p{len(answers)}"
        root.mkdir()
        _write(root, files)
        (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n" + options)
        settings = load_settings(root)
        index = project_index(settings)
        answers.append(SecretFieldInResponseModel.could_apply(index, "shop.routes", settings))
    assert answers == [False, True, False]


BLOCKING_APP = {
    "app/__init__.py": "",
    "app/main.py": (
        "from fastapi import FastAPI\n\n"
        "from . import chain, direct, iterate, offload, prop, quiet\n\n"
        "app = FastAPI()\n"
        "for module in (chain, direct, iterate, offload, prop, quiet):\n"
        "    app.include_router(module.router)\n"
    ),
    "app/helpers.py": (
        "import requests\n\n\n"
        "def fetch(url):\n    return requests.get(url)\n\n\n"
        "def tidy(text):\n    return text.strip()\n\n\n"
        "def rows(path):\n    with open(path) as handle:\n        yield from handle\n\n\n"
        "class Report:\n"
        "    def __init__(self, path):\n        self.path = path\n\n"
        "    @property\n    def body(self):\n        return open(self.path).read()\n"
    ),
    # Served `async def`s that call nothing that blocks: a library class, a project helper
    # that does not block, a builtin, an awaited coroutine, a loop over a list.
    "app/quiet.py": (
        "import asyncio\n\n"
        "from fastapi import APIRouter, HTTPException\n"
        "from pydantic import BaseModel\n\n"
        "from .helpers import tidy\n\n"
        "router = APIRouter()\n\n\n"
        "class Item(BaseModel):\n    name: str\n\n\n"
        "@router.get('/items')\n"
        "async def items(name: str):\n"
        "    await asyncio.sleep(0)\n"
        "    if not name:\n        raise HTTPException(404)\n"
        "    names = [tidy(name)]\n"
        "    for each in names:\n        print(len(each))\n"
        "    return Item(name=tidy(name))\n"
    ),
    "app/direct.py": (
        "import time\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/direct')\nasync def direct():\n    time.sleep(1)\n    return {}\n"
    ),
    "app/chain.py": (
        "from fastapi import APIRouter\n\nfrom .helpers import fetch\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/chain')\nasync def chain(url: str):\n    return fetch(url).json()\n"
    ),
    "app/iterate.py": (
        "from fastapi import APIRouter\n\nfrom .helpers import rows\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/iterate')\nasync def iterate(path: str):\n"
        "    lines = rows(path)\n    out = []\n"
        "    for line in lines:\n        out.append(line)\n    return out\n"
    ),
    "app/prop.py": (
        "from fastapi import APIRouter\n\nfrom .helpers import Report\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/prop')\nasync def prop(path: str):\n"
        "    report = Report(path)\n    return {'body': report.body}\n"
    ),
    "app/offload.py": (
        "from fastapi import APIRouter\nfrom fastapi.concurrency import run_in_threadpool\n\n"
        "from .helpers import fetch\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/offload')\nasync def offload(url: str):\n"
        "    return await run_in_threadpool(fetch(url))\n"
    ),
}


def test_blocking_gate_parses_only_modules_with_a_call_that_can_block(
    tmp_path, monkeypatch
) -> None:
    """The FPI1xx call-level gate: every served `async def` of `quiet.py` calls only things
    that cannot block and drops only a builtin's result (so the module is not parsed), while a catalogued call, a project
    function that blocks, a generator iterated after it was made, a blocking property and a
    call handed to an offloader each keep their module, with the findings of a run without
    the gates."""
    root = _write(tmp_path, BLOCKING_APP)
    # The family alone: the other families' gates decide about `quiet.py` too.
    (root / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FPI1"]\n')
    parsed, findings = _parsed_names(root, monkeypatch)
    expected = {
        ("direct.py", "FPI101"),
        ("chain.py", "FPI110"),
        ("iterate.py", "FPI110"),
        ("prop.py", "FPI110"),
        ("offload.py", "FPI109"),
    }
    assert expected <= findings
    assert {"direct.py", "chain.py", "iterate.py", "prop.py", "offload.py"} <= parsed
    assert "quiet.py" not in parsed
    with monkeypatch.context() as patch:
        patch.setattr(linting, "GATES", False)
        ungated_parsed, ungated = _parsed_names(root, patch)
    assert "quiet.py" in ungated_parsed
    assert ungated == findings


DEPENDS_APP = {
    "deps.py": (
        "from collections.abc import Callable\n\n\n"
        "def get_db():\n    yield 'session'\n\n\n"
        "def get_settings():\n    return {'debug': True}\n\n\n"
        "def require(role: str) -> Callable[[], str]:\n"
        "    def check() -> str:\n        return role\n\n    return check\n"
    ),
    # Depends on the function itself, a factory's result, a library class: nothing to report.
    "passed.py": (
        "from fastapi import Depends, FastAPI\n"
        "from fastapi.security import HTTPBearer\n\n"
        "from deps import get_db, get_settings, require\n\n"
        "app = FastAPI()\n\n\n"
        "@app.get('/')\n"
        "def index(db=Depends(get_db), s=Depends(get_settings), r=Depends(require('admin')),\n"
        "          t=Depends(HTTPBearer())):\n"
        "    return {'n': str(len(get_settings()))}\n"
    ),
    "alias.py": (
        "from fastapi import Depends as D, FastAPI\n\nfrom deps import get_db\n\n"
        "app = FastAPI()\n\n\n"
        "@app.get('/')\ndef index(db=D(get_db())):\n    return {}\n"
    ),
    "keyword.py": (
        "import fastapi\n\nimport deps\n\n\n"
        "def route(db=fastapi.Security(dependency=deps.get_db())):\n    return db\n"
    ),
    "in_lambda.py": (
        "from fastapi import Depends\n\nfrom deps import get_db\n\n"
        "make = lambda: Depends(get_db())\n"
    ),
    "in_class.py": (
        "from fastapi import Depends\n\nfrom deps import get_db\n\n\n"
        "class Params:\n    db = Depends(get_db())\n"
    ),
}


def test_fpi206_gate_parses_only_modules_with_a_called_dependency(tmp_path, monkeypatch) -> None:
    """FPI206's gate: a module whose `Depends(...)` calls pass a function, a factory's result
    or a library object is not parsed for the rule, while a called generator keeps its module
    however `Depends` is spelled (an alias, an attribute, `dependency=`) and wherever the call
    is (a lambda body, a class body); the findings are those of a run without the gates."""
    root = _write(tmp_path, DEPENDS_APP)
    (root / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FPI206"]\n')
    parsed, findings = _parsed_names(root, monkeypatch)
    kept = {"alias.py", "keyword.py", "in_lambda.py", "in_class.py"}
    assert {(name, "FPI206") for name in kept} <= findings
    assert parsed == kept
    with monkeypatch.context() as patch:
        patch.setattr(linting, "GATES", False)
        ungated_parsed, ungated = _parsed_names(root, patch)
    assert "passed.py" in ungated_parsed
    assert ungated == findings


def test_a_module_no_rule_can_report_in_is_linted_without_libcst(tmp_path) -> None:
    """The gates run without LibCST: a one-file run whose file no rule can report anything in
    (pre-commit's usual case) never imports it, and one whose file a rule can still does."""
    import subprocess
    import sys

    root = _write(tmp_path, DEPENDS_APP)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fastapi_lint.config import load_settings\n"
        "from fastapi_lint.engine import LintOptions, lint_paths\n"
        "root = Path(sys.argv[1])\n"
        "run = lint_paths([root / sys.argv[2]], load_settings(root), LintOptions(jobs=1))\n"
        "print(sorted({f.code for f in run.findings}), 'libcst' in sys.modules)\n"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", script, str(root), "passed.py"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert quiet.stdout.split() == ["[]", "False"], quiet.stderr
    found = subprocess.run(
        [sys.executable, "-c", script, str(root), "alias.py"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == ["['FPI206']", "True"], found.stderr
