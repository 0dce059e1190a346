"""FPI3xx: secret names, the `[tool.fastapi-lint.rules]` keys, the index API a codemod calls,
and cached findings that follow edits of the models' module."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.config import load_settings
from fastapi_lint.engine.api import LintOptions, lint_paths, project_index
from fastapi_lint.rules.secrets.models import (
    SecretPolicy,
    is_credential_name,
    leaked_fields,
    model_info,
    model_kind,
    public_fields,
    public_sibling,
)


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "hashed_password",
        "hashedPassword",
        "password_hash",
        "passwd",
        "new_password",
        "password_confirm",
        "secret",
        "secret_key",
        "secret_name",
        "client_secret",
        "otp_secret",
        "totp_secret",
        "private_key",
        "salt",
        "password_salt",
        "ssn",
        "social_security_number",
        "card_number",
        "credit_card_number",
    ],
)
def test_default_secret_names(name: str) -> None:
    assert SecretPolicy().is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "password_changed_at",
        "has_password",
        "password_min_length",
        "is_secret",
        "card_number_last4",
        "passwordless",
        "email",
        "username",
        "secretary",
        "salty",
        "access_token",
    ],
)
def test_look_alikes_are_not_secrets(name: str) -> None:
    assert not SecretPolicy().is_secret_name(name)


MODELS = """\
from pydantic import BaseModel


class ApiKeyCreated(BaseModel):
    name: str
    api_key: str


class Device(BaseModel):
    name: str
    pin: str
    hashed_password: str = ""


class Invite(BaseModel):
    email: str
    secret_code: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
"""

ROUTES = """\
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestForm

from .models import ApiKeyCreated, Device, Invite, Token

app = FastAPI()


@app.get("/keys")
def create_key():
    return ApiKeyCreated(name="ci", api_key="k")


@app.get("/device")
def device():
    return Device(name="d", pin="1234", hashed_password="$2b$12$abc")


@app.get("/invite")
def invite():
    return Invite(email="a@b.c", secret_code="x")


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return Token(access_token="t")


@app.get("/whoami")
def whoami():
    return Token(access_token="t")
"""


def project(root: Path, config: str, models: str = MODELS) -> Path:
    pkg = root / "app"
    pkg.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.fastapi-lint]\n\n[tool.fastapi-lint.rules]\n{config}'
    )
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(models)
    (pkg / "routes.py").write_text(ROUTES)
    return root


def findings(root: Path, use_cache: bool = False) -> set[tuple[int, str]]:
    settings = load_settings(root)
    result = lint_paths([root], settings, LintOptions(use_cache=use_cache, jobs=1))
    return {(f.location.row, f.code) for f in result.findings if f.code.startswith("FPI3")}


def test_default_configuration(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "")
    # Device leaks hashed_password; Invite leaks secret_code; nothing else matches.
    assert findings(root) == {(18, "FPI301"), (23, "FPI301")}


def test_extend_ignore_and_allowed(tmp_path: Path) -> None:
    config = (
        'extend-secret-field-patterns = ["(\\\\w+_)?api_key", "(\\\\w+_)?token"]\n'
        'ignore-secret-fields = ["Invite.secret_code"]\n'
    )
    root = project(tmp_path / "p", config)
    # api_key is now a secret; the token route may return its token, /whoami may not. (/keys
    # is a GET: a POST returning a model named as a creation result hands its key out.)
    assert findings(root) == {(13, "FPI301"), (18, "FPI301"), (33, "FPI301")}
    config += 'allowed-secret-models = ["app.models.ApiKeyCreated", "Token"]\n'
    root = project(tmp_path / "q", config)
    assert findings(root) == {(18, "FPI301")}


def test_secret_field_patterns_replace_the_defaults(tmp_path: Path) -> None:
    root = project(tmp_path / "p", 'secret-field-patterns = ["pin"]\n')
    # Only `pin` is a secret now: Device still leaks, Invite's secret_code does not.
    assert findings(root) == {(18, "FPI301")}


def test_cached_findings_follow_the_models_module(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "")
    assert findings(root, use_cache=True) == {(18, "FPI301"), (23, "FPI301")}
    models = root / "app" / "models.py"
    models.write_text(
        models.read_text()
        .replace("    secret_code: str", "    secret_code: SecretStr")
        .replace("import BaseModel", "import BaseModel, SecretStr")
    )
    assert findings(root, use_cache=True) == {(18, "FPI301")}


CROSS = {
    "app/__init__.py": "",
    "app/base.py": (
        "from sqlmodel import SQLModel\n\n\n"
        "class UserBase(SQLModel):\n    email: str\n    full_name: str | None = None\n\n\n"
        "class HasCredentials(SQLModel):\n    hashed_password: str = ''\n"
    ),
    "app/models.py": (
        "from pydantic import Field, SecretStr\nfrom sqlmodel import Relationship\n\n"
        "from .base import HasCredentials, UserBase\n\n\n"
        "class User(UserBase, HasCredentials, table=True):\n"
        "    id: int | None = None\n"
        "    api_token: SecretStr | None = None\n"
        "    items: list['Item'] = Relationship(back_populates='owner')\n\n\n"
        "class UserPublic(UserBase):\n    id: int\n\n\n"
        "class UserRead(UserBase):\n    id: int\n    nickname: str\n\n\n"
        "class Team(UserBase):\n    members: list[User] = []\n"
        "    salt: str = Field(default='', exclude=True)\n"
    ),
}


def test_index_api(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name, text in {"pyproject.toml": "[tool.fastapi-lint]\n", **CROSS}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    index = project_index(load_settings(root), use_cache=False, refresh=True)
    policy = SecretPolicy()
    assert model_kind(index, "app.models.User") == "sqlmodel"
    assert model_kind(index, "app.base.UserBase") == "sqlmodel"
    info = model_info(index, "app.models.User")
    assert info is not None and info.table
    # Inherited across modules; relationships are not serialised fields.
    assert [f.name for f in info.fields] == [
        "hashed_password",
        "email",
        "full_name",
        "id",
        "api_token",
    ]
    assert info.field("hashed_password").owner == "app.base.HasCredentials"
    assert info.field("api_token").hidden == "secret-type"
    assert leaked_fields(index, "app.models.User", policy) == ("hashed_password",)
    assert leaked_fields(index, "app.models.Team", policy) == ("members.hashed_password",)
    assert [f.name for f in public_fields(index, "app.models.User", policy)] == [
        "email",
        "full_name",
        "id",
    ]
    # UserRead has a field User lacks, so UserPublic is the sibling FastAPI can build.
    assert public_sibling(index, "app.models.User", policy) == "app.models.UserPublic"
    assert public_sibling(index, "app.models.Team", policy) is None


def test_field_types_that_cannot_hold_a_secret(tmp_path: Path) -> None:
    """The type decides, through aliases and enums of another module (the FPI302 fixture)."""
    source = Path(__file__).parent / "fixtures" / "FPI302" / "typed_fields"
    root = tmp_path / "p"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    for name in ("__init__.py", "kinds.py", "app.py"):
        (root / "pkg" / name).write_text((source / name).read_text())
    index = project_index(load_settings(root), use_cache=False, refresh=True)
    policy = SecretPolicy()
    assert leaked_fields(index, "pkg.app.AccountStatus", policy) == ("secret_flags",)
    assert leaked_fields(index, "pkg.app.Rotation", policy) == ()
    assert leaked_fields(index, "pkg.app.Vault", policy) == ("secret", "password", "card_cvv")
    assert leaked_fields(index, "pkg.app.Mixed", policy) == ("password", "secrets", "client_secret")
    # A configured pattern is judged by type as well: `token_count: int` is a count.
    tokens = SecretPolicy(extra_patterns=(r"(?:\w+_)?token(?:_\w+)?",))
    assert leaked_fields(index, "pkg.app.Rotation", tokens) == ()


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("token", True),
        ("api_token", True),
        ("access_token", True),
        ("apiKey", True),
        ("api_key", True),
        ("token_type", False),
        ("token_count", False),
        ("has_api_key", False),
        ("continuation_token", False),
        ("next_page_token", False),
        ("csrf_token", False),
        ("device_token", False),
        ("tokens_used", False),
        ("termination_token", False),
        ("eos_token", False),
        ("stop_token", False),
        ("refresh_token", True),
    ],
)
def test_credential_names(name: str, credential: bool) -> None:
    assert is_credential_name(name) is credential


UNION_MODELS = """
from pydantic import BaseModel


class RegistryAuth(BaseModel):
    username: str
    password: str


class TaskConfig(BaseModel):
    registry_auth: RegistryAuth


class ServiceConfig(BaseModel):
    registry_auth: RegistryAuth


class Run(BaseModel):
    configuration: TaskConfig | ServiceConfig
"""

UNION_ROUTES = """
from fastapi import FastAPI

from .models import Run

app = FastAPI()


@app.get("/runs/{id}", response_model=Run)
def read_run(id: int):
    return {}
"""


def test_a_field_reached_through_every_member_of_a_union_is_named_once(tmp_path: Path) -> None:
    root = project(tmp_path, "", models=UNION_MODELS)
    (root / "app" / "routes.py").write_text(UNION_ROUTES)
    result = lint_paths([root], load_settings(root), LintOptions(use_cache=False, jobs=1))
    messages = [f.message for f in result.findings if f.code == "FPI302"]
    assert len(messages) == 1, messages
    assert messages[0].count("`configuration.registry_auth.password`") == 1, messages[0]
    assert "secret field `configuration.registry_auth.password`" in messages[0], messages[0]


DEVICE_ROUTES = """\
import secrets

from fastapi import FastAPI

from .models import Device

app = FastAPI()


@app.get("/masked")
def masked():
    return Device(name="d", pin="****")


@app.get("/stored")
def stored(device_id: int):
    pin = load_pin(device_id)
    return Device(name="d", pin=pin)


@app.post("/issued")
def issued():
    fresh = secrets.token_hex(4)
    device = Device(name="d", pin="")
    device.pin = f"{fresh}"
    return device


@app.get("/issued-on-get")
def issued_on_get():
    return Device(name="d", pin=secrets.token_hex(4))


def load_pin(device_id: int) -> str:
    return str(device_id)
"""


def test_route_writes_take_the_configured_names(tmp_path: Path) -> None:
    # The summary records every write of a route body by name, whatever the configuration:
    # with `pin` made the only secret name (and the summaries cached under the default
    # configuration, where `pin` is no secret), a masked `pin` and one the POST just generated
    # are not reported; one loaded from storage and one generated on a GET are.
    root = project(tmp_path / "p", "")
    (root / "app" / "routes.py").write_text(DEVICE_ROUTES)
    assert findings(root, use_cache=True) == set()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'secret-field-patterns = ["pin"]\n')
    assert findings(root, use_cache=True) == {(18, "FPI301"), (31, "FPI301")}
