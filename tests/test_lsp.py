"""The language server, started as `python -m fastapi_lint server` and driven over stdio by a small
JSON-RPC client that behaves like an editor (tests/lsp_client.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli, run_json
from lsp_client import LSPClient, apply_edits, workspace_edits

pytestmark = pytest.mark.slow

MAIN = textwrap.dedent(
    """\
    import time

    from fastapi import FastAPI

    from .clock import clock

    app = FastAPI()


    @app.get("/")
    async def root():
        label = "héllo 😀"; time.sleep(1)
        return {"label": label}


    @app.get("/other")
    async def other():
        clock.sleep(2)
        return {}
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "clock.py").write_text("import time as clock\n")
    (app / "main.py").write_text(MAIN, encoding="utf-8")
    return tmp_path


@pytest.fixture
def client():
    lsp = LSPClient()
    yield lsp
    lsp.close()


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_initialize_advertises_code_actions_and_utf16(client: LSPClient, project: Path) -> None:
    result = client.initialize(project)
    caps = result["capabilities"]
    assert caps["positionEncoding"] == "utf-16"
    kinds = caps["codeActionProvider"]["codeActionKinds"]
    assert "quickfix" in kinds and "source.fixAll.fastapi-lint" in kinds
    assert caps["textDocumentSync"]["openClose"] is True
    assert result["serverInfo"]["name"] == "fastapi-lint"


def test_diagnostics_on_open_match_the_cli(client: LSPClient, project: Path) -> None:
    client.initialize(project)
    main = project / "app" / "main.py"
    diagnostics = client.open(main)
    cli = run_json("check", str(main), "--no-cache")
    assert [d["code"] for d in diagnostics] == [f["code"] for f in cli] == ["FPI101", "FPI101"]

    first = diagnostics[0]
    line = MAIN.splitlines()[11]
    column = line.index("time.sleep")
    assert first["range"] == {
        "start": {"line": 11, "character": utf16(line[:column])},
        "end": {"line": 11, "character": utf16(line[:column]) + len("time.sleep(1)")},
    }
    assert utf16(line[:column]) == column + 1  # the emoji is two UTF-16 units
    assert first["source"] == "fastapi-lint"
    assert first["data"]["name"] == "blocking-sleep-in-async"
    assert first["codeDescription"]["href"] == cli[0]["url"]
    assert first["codeDescription"]["href"].endswith("docs/rules/FPI101.md")
    assert first["message"] == cli[0]["message"]
    # The second one is only visible through app/clock.py.
    assert diagnostics[1]["range"]["start"] == {"line": 17, "character": 4}


def test_quick_fix_unsafe_label_and_noqa(client: LSPClient, project: Path) -> None:
    client.initialize(project)
    main = project / "app" / "main.py"
    diagnostics = client.open(main)
    target = diagnostics[0]
    actions = client.code_actions(main, target["range"], [target])
    titles = [a["title"] for a in actions]
    fixes = [a for a in actions if a["title"].endswith("(unsafe)")]
    assert len(fixes) == 1, titles
    assert fixes[0]["kind"] == "quickfix"
    assert fixes[0]["diagnostics"][0]["code"] == "FPI101"
    fixed = apply_edits(MAIN, workspace_edits(fixes[0], main.as_uri()))
    assert 'label = "héllo 😀"; await asyncio.sleep(1)' in fixed
    assert "\nimport asyncio\n" in fixed
    # Only the chosen finding is fixed.
    assert "    clock.sleep(2)" in fixed

    noqa = [a for a in actions if a["title"] == "Disable FPI101 for this line"]
    assert len(noqa) == 1, titles
    silenced = apply_edits(MAIN, workspace_edits(noqa[0], main.as_uri()))
    assert "time.sleep(1)  # noqa: FPI101\n" in silenced
    remaining = client.change(main, silenced)
    assert [d["range"]["start"]["line"] for d in remaining] == [17]


def test_fix_all_equals_check_fix_on_every_fixture(tmp_path: Path) -> None:
    """For every fixture, the source.fixAll action gives the text that `check --fix` writes."""
    # One snapshot of the fixture tree, linted by the server; a copy of it fixed by the CLI.
    tree = tmp_path / "tree" / "fixtures"
    shutil.copytree(FIXTURES, tree, ignore=shutil.ignore_patterns(".fastapi_lint_cache"))
    copy = tmp_path / "fixed" / "fixtures"
    shutil.copytree(tree, copy)
    run_cli("check", str(copy), "--fix", "--no-cache")
    lsp = LSPClient()
    try:
        lsp.initialize(tree)
        compared = changed = 0
        for path in sorted(tree.rglob("*.py")):
            if path.name.endswith(".fixed.py"):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # an editor decodes such a file its own way
            if "\0" in text:
                continue
            lsp.open(path, text)
            lines = text.splitlines()
            whole = {
                "start": {"line": 0, "character": 0},
                "end": {"line": len(lines), "character": 0},
            }
            actions = lsp.code_actions(path, whole, [], only=["source.fixAll"])
            assert all(a["kind"] == "source.fixAll.fastapi-lint" for a in actions)
            result = text
            if actions:
                assert len(actions) == 1
                result = apply_edits(text, workspace_edits(actions[0], path.as_uri()))
                changed += 1
            expected = (copy / path.relative_to(tree)).read_text(encoding="utf-8")
            assert result == expected, f"fix-all differs from check --fix on {path.name}"
            compared += 1
            lsp.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
        assert compared > 10 and changed > 0
    finally:
        lsp.close()


def test_quick_edits_publish_the_newest_version_and_cross_module_facts_update(
    client: LSPClient, project: Path
) -> None:
    client.initialize(project)
    main = project / "app" / "main.py"
    clock = project / "app" / "clock.py"
    assert len(client.open(main)) == 2

    # Three quick edits: a change is linted at once, without a debounce, so an older version
    # may be published first, but never after a newer one, and the newest always is.
    start = client.mark()
    for version, text in enumerate(
        (MAIN + "\n", MAIN + "\n\n", MAIN.replace("time.sleep(1)", "pass")), start=2
    ):
        client.versions[main.as_uri()] = version
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": main.as_uri(), "version": version},
                "contentChanges": [{"text": text}],
            },
        )
    published = client.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == main.as_uri()
            and m["params"].get("version") == 4
        ),
        start=start,
    )["params"]
    assert [d["range"]["start"]["line"] for d in published["diagnostics"]] == [17]
    with client.lock:
        versions = [
            m["params"].get("version")
            for m in client.messages[start:]
            if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == main.as_uri()
        ]
    assert versions == sorted(versions) and versions[-1] == 4, versions

    # Editing clock.py (never saved) changes what main.py's finding depends on.
    assert client.open(clock) == []
    start = client.mark()
    client.change(clock, "import asyncio as clock\n")
    main_again = client.diagnostics_after(main.as_uri(), start)
    assert main_again["diagnostics"] == []

    # Saving publishes again; closing clears.
    start = client.mark()
    client.notify("textDocument/didSave", {"textDocument": {"uri": main.as_uri()}})
    assert client.diagnostics_after(main.as_uri(), start)["diagnostics"] == []
    start = client.mark()
    client.notify("textDocument/didClose", {"textDocument": {"uri": clock.as_uri()}})
    assert client.diagnostics_after(clock.as_uri(), start)["diagnostics"] == []


def test_configuration_from_pyproject(client: LSPClient, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.fastapi-lint]\nignore = ["FPI101"]\n')
    client.initialize(project)
    start = client.mark()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": pyproject.as_uri(),
                "languageId": "toml",
                "version": 1,
                "text": pyproject.read_text(),
            }
        },
    )
    assert client.open(project / "app" / "main.py") == []
    published = [
        m["params"]["uri"]
        for m in client.messages[start:]
        if m.get("method") == "textDocument/publishDiagnostics"
    ]
    assert pyproject.as_uri() not in published  # only Python documents are linted


def test_utf8_position_encoding_when_the_client_prefers_it(project: Path) -> None:
    lsp = LSPClient()
    try:
        result = lsp.initialize(project, {"general": {"positionEncodings": ["utf-8", "utf-16"]}})
        assert result["capabilities"]["positionEncoding"] == "utf-8"
        diagnostics = lsp.open(project / "app" / "main.py")
        line = MAIN.splitlines()[11]
        prefix = line[: line.index("time.sleep")]
        assert diagnostics[0]["range"]["start"]["character"] == len(prefix.encode("utf-8"))
    finally:
        lsp.close()


def _lsp_probe() -> Path | None:
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        probe = candidate / "checks" / "lsp_probe.py"
        if probe.is_file():
            return probe
    return None


@pytest.mark.skipif(_lsp_probe() is None, reason="the shared LSP probe is not available")
def test_shared_lsp_probe(project: Path) -> None:
    probe = _lsp_probe()
    proc = subprocess.run(
        [
            sys.executable,
            str(probe),
            str(project / "app" / "main.py"),
            "--",
            sys.executable,
            "-m",
            "fastapi_lint",
            "server",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("codes=FPI101,FPI101 "), last
    assert "code_actions=0" not in last


def test_configuration_error_is_shown_not_fatal(client: LSPClient, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.fastapi-lint]\nbogus = 1\n")
    client.initialize(project)
    main = project / "app" / "main.py"
    start = client.mark()
    client.versions[main.as_uri()] = 1
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": main.as_uri(),
                "languageId": "python",
                "version": 1,
                "text": MAIN,
            }
        },
    )
    shown = client.wait_for(lambda m: m.get("method") == "window/showMessage", 120, start)
    assert "unknown key `bogus`" in shown["params"]["message"]
    # Fixing the file is picked up at the next lint, without restarting the server.
    pyproject.write_text('[project]\nname = "demo"\nversion = "0"\n')
    assert len(client.change(main, MAIN + "\n")) == 2


def test_fix_all_is_resolved_when_the_client_can_resolve(tmp_path: Path) -> None:
    """A client that resolves code actions gets "fix all" offered at the cursor without its
    edit (computing it costs a whole --fix of the file); `codeAction/resolve` fills it in with
    the text `check --fix` writes. A quick fix's edits are computed for that finding only."""
    tree = tmp_path / "p"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    source = FIXTURES / "FPI206" / "called_dependency.py"
    path = tree / "called_dependency.py"
    text = source.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    expected = (FIXTURES / "FPI206" / "called_dependency.fixed.py").read_text(encoding="utf-8")
    lsp = LSPClient()
    try:
        capabilities = {
            "workspace": {"workspaceEdit": {"documentChanges": True}},
            "textDocument": {
                "publishDiagnostics": {"versionSupport": True},
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}
                    },
                    "resolveSupport": {"properties": ["edit"]},
                },
            },
        }
        lsp.initialize(tree, capabilities)
        diagnostics = lsp.open(path)
        fixable = [d for d in diagnostics if (d.get("data") or {}).get("fix")]
        assert fixable, diagnostics
        actions = lsp.code_actions(path, fixable[0]["range"], [fixable[0]])
        (fix_all,) = [a for a in actions if a["kind"] == "source.fixAll.fastapi-lint"]
        assert "edit" not in fix_all or fix_all["edit"] is None
        quick = [a for a in actions if a["kind"] == "quickfix" and a.get("edit")]
        assert quick and all(a["diagnostics"][0]["code"] == "FPI206" for a in quick[:1])
        resolved = lsp.request("codeAction/resolve", fix_all)
        assert apply_edits(text, workspace_edits(resolved, path.as_uri())) == expected
        # After an edit, an action of the old version is not resolved against the new text.
        lsp.change(path, text + "\n")
        stale = lsp.request("codeAction/resolve", fix_all)
        assert not stale.get("edit")
    finally:
        lsp.close()


ROUTER = textwrap.dedent(
    """\
    import time

    from fastapi import APIRouter

    from .helpers import pause

    router = APIRouter()


    @router.get("/a")
    async def a():
        time.sleep(1)
        return {}


    @router.get("/b")
    async def b():
        pause()
        return {}


    @router.get("/c")
    async def c():
        return {}
    """
)


def _stdin_check(path: Path, text: str, cwd: Path) -> list[dict]:
    """What `fastapi-lint check` reports for a buffer (the rest of the project as on disk)."""
    proc = run_cli(
        "check",
        "-",
        "--stdin-filename",
        str(path),
        "--no-cache",
        "--output-format",
        "json",
        cwd=cwd,
        stdin=text,
    )
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _as_cli(diagnostics: list[dict]) -> list[tuple]:
    return [
        (
            d["code"],
            d["range"]["start"]["line"] + 1,
            d["range"]["start"]["character"] + 1,
            d["message"],
        )
        for d in diagnostics
    ]


def _of_cli(findings: list[dict]) -> list[tuple]:
    return [
        (f["code"], f["location"]["row"], f["location"]["column"], f["message"]) for f in findings
    ]


def test_edits_publish_that_versions_findings_as_check_reports_them(
    client: LSPClient, tmp_path: Path
) -> None:
    """Each edit's diagnostics carry its version and are what `check` reports for that buffer,
    and a quick fix offered after an edit applies to that version's text and fixes it."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "helpers.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    router = app / "router.py"
    router.write_text(ROUTER)
    client.initialize(tmp_path)
    first = client.open(router)
    assert _as_cli(first) == _of_cli(_stdin_check(router, ROUTER, tmp_path))
    assert [d["code"] for d in first] == ["FPI101", "FPI110"]

    # The sleep moves from a() to c(): the finding moves with it, in that version.
    moved = ROUTER.replace(
        '    time.sleep(1)\n    return {}\n\n\n@router.get("/b")',
        '    return {}\n\n\n@router.get("/b")',
    ).replace("async def c():\n", "async def c():\n    time.sleep(2)\n")
    assert moved != ROUTER
    diagnostics = client.change(router, moved)  # waits for this version's diagnostics
    expected = _of_cli(_stdin_check(router, moved, tmp_path))
    assert _as_cli(diagnostics) == expected
    assert [row for _, row, _, _ in expected] == [17, 23]

    # A quick fix asked for right after the edit is for this version: it applies and fixes.
    target = next(d for d in diagnostics if d["code"] == "FPI101")
    actions = client.code_actions(router, target["range"], [target])
    fixes = [a for a in actions if a["kind"] == "quickfix" and a.get("edit")]
    fix = next(a for a in fixes if a["title"].startswith("Replace"))
    (change,) = fix["edit"]["documentChanges"]
    assert change["textDocument"]["version"] == client.versions[router.as_uri()]
    fixed = apply_edits(moved, workspace_edits(fix, router.as_uri()))
    assert "await asyncio.sleep(2)" in fixed and "\nimport asyncio\n" in fixed
    compile(fixed, str(router), "exec")
    after = client.change(router, fixed)
    assert [d["code"] for d in after] == ["FPI110"]
    assert _as_cli(after) == _of_cli(_stdin_check(router, fixed, tmp_path))


def test_findings_that_depend_on_another_module_follow_its_edits(
    client: LSPClient, tmp_path: Path
) -> None:
    """A router's finding that only another module's code makes (a helper that blocks) comes
    and goes as that module is edited in the editor, unsaved, and the router's diagnostics
    then equal what `check` reports once the edit is saved."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    helpers = app / "helpers.py"
    blocking = "import time\n\n\ndef pause():\n    time.sleep(1)\n"
    harmless = "def pause():\n    return None\n"
    helpers.write_text(harmless)
    router = app / "router.py"
    router.write_text(ROUTER)
    client.initialize(tmp_path)
    assert [d["code"] for d in client.open(router)] == ["FPI101"]
    assert client.open(helpers) == []

    start = client.mark()
    client.change(helpers, blocking)
    published = client.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == router.as_uri()
            and any(d["code"] == "FPI110" for d in m["params"]["diagnostics"])
        ),
        120,
        start,
    )["params"]["diagnostics"]
    helpers.write_text(blocking)
    assert _as_cli(published) == _of_cli(run_json("check", str(router), "--no-cache"))

    start = client.mark()
    client.change(helpers, harmless)
    client.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == router.as_uri()
            and [d["code"] for d in m["params"]["diagnostics"]] == ["FPI101"]
        ),
        120,
        start,
    )


def test_a_large_projects_first_document_is_linted_at_once_then_against_the_whole_index(
    client: LSPClient, tmp_path: Path
) -> None:
    """In a project of more than QUICK_INDEX_FILES files, the first document opened is linted
    against the modules it imports (published at once), then again once the whole project is
    indexed; that second publication equals what `check` reports."""
    from fastapi_lint.engine.api import QUICK_INDEX_FILES

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "helpers.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    filler = app / "filler"
    filler.mkdir()
    (filler / "__init__.py").write_text("")
    for number in range(QUICK_INDEX_FILES):
        (filler / f"m{number}.py").write_text(f"VALUE = {number}\n")
    # The app that includes the router: a module the router does not import.
    (app / "main.py").write_text(
        "from fastapi import FastAPI\n\nfrom .router import router\n\napp = FastAPI()\n"
        "app.include_router(router)\n"
    )
    router = app / "router.py"
    router.write_text(ROUTER)
    client.initialize(tmp_path)
    uri = router.as_uri()
    start = client.mark()
    client.versions[uri] = 1
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": ROUTER}},
    )

    def published(message: dict) -> bool:
        return (
            message.get("method") == "textDocument/publishDiagnostics"
            and message["params"]["uri"] == uri
        )

    first = client.wait_for(published, 120, start)
    client.wait_for(lambda m: published(m) and m is not first, 300, start)
    with client.lock:
        both = [m["params"] for m in client.messages[start:] if published(m)]
    assert [p.get("version") for p in both] == [1, 1]
    cli = run_json("check", str(router), "--no-cache")
    assert _as_cli(both[-1]["diagnostics"]) == _of_cli(cli)
    assert [f["code"] for f in cli] == ["FPI101", "FPI110"]


def test_the_index_built_in_steps_is_the_index_built_at_once(tmp_path: Path, monkeypatch) -> None:
    """`index_steps` (the server's background build) summarises a few dozen files or computes
    one project fact per step; the process keeps the index only after the last step, and it
    holds what `build_index` makes at once, every fact already computed."""
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api, has_project_index, index_steps, lint_source

    monkeypatch.setattr(api, "_PROJECTS", {})
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "helpers.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    for number in range(3 * api.INDEX_STEP_FILES):
        (app / f"m{number}.py").write_text(f"VALUE = {number}\n")
    router = app / "router.py"
    router.write_text(ROUTER)
    settings = load_settings(tmp_path)
    steps = index_steps(settings, use_cache=False)
    count = 0
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            stepped = stop.value
            break
        count += 1
        assert not has_project_index(settings)
    assert has_project_index(settings)
    # Discovery, three or four steps of files, the cache, one step per fact.
    assert count >= 4 + len(stepped.facts)
    assert all(("@fact", name) in stepped._memo for name in stepped.facts)
    files = sorted(api.python_files_under(tmp_path.resolve(), settings))
    cache = api.Cache(tmp_path / "elsewhere", settings.fingerprint(), False)
    at_once, _ = api.build_index(files, settings, cache, 1)
    assert dict(stepped.modules.items()) == dict(at_once.modules.items())
    for name in stepped.facts:
        assert stepped.project_fact(name) == at_once.project_fact(name), name
    text = router.read_text()
    found = lint_source(text, router, settings, index=stepped).findings
    assert found == lint_source(text, router, settings, index=at_once).findings
    assert [f.code for f in found] == ["FPI101", "FPI110"]
