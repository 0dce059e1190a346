"""Served-code reachability (index/reach.py) as the FPI1xx rules use it: messages name an entry
point, code that serves no request is not reported unless a setting asks for it."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, run_cli, run_json

SERVED = FIXTURES / "FPI104" / "served"

APP = """\
import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    open("startup.toml")
    yield


app = FastAPI(lifespan=lifespan)


async def main():
    open("script.json")


if __name__ == "__main__":
    asyncio.run(main())
"""

TEST = """\
async def test_it():
    open("expected.json")
"""


def _project(tmp_path: Path, rules: str = "", app: str = APP, test: str | None = TEST) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.fastapi-lint.rules]\n{rules}'
    )
    (tmp_path / "app.py").write_text(app)
    if test is not None:
        (tmp_path / "test_app.py").write_text(test)
    return tmp_path


def _rows(items: list[dict]) -> set[tuple[str, int]]:
    return {(Path(f["filename"]).name, f["location"]["row"]) for f in items}


def test_message_names_route_and_dependency() -> None:
    items = run_json("check", str(SERVED / "app.py"), "--no-cache", "--select", "FPI104")
    by_row = {f["location"]["row"]: f["message"] for f in items}
    assert "(reached from POST /items/users via get_current_user)" in by_row[20]
    assert "(reached from GET /final)" in by_row[34]
    assert 74 not in by_row  # the lifespan's shutdown, after its `yield`
    assert "(reached from middleware `AuditMiddleware`)" in by_row[91]


def test_transitive_message_names_route() -> None:
    items = run_json("check", str(SERVED / "app.py"), "--no-cache", "--select", "FPI110")
    assert [f["location"]["row"] for f in items] == [137]
    assert (
        "inside `async def` (reached from GET /items/config): read_config_sync → open"
        in (items[0]["message"])
    )


def test_unserved_code_is_quiet_by_default(tmp_path: Path) -> None:
    items = run_json("check", str(_project(tmp_path)), "--no-cache", "--select", "FPI104")
    assert _rows(items) == set()


def test_report_unserved_restores_everything(tmp_path: Path) -> None:
    project = _project(tmp_path, "report-unserved = true\n")
    items = run_json("check", str(project), "--no-cache", "--select", "FPI104")
    assert _rows(items) == {("app.py", 9), ("app.py", 17), ("test_app.py", 2)}


def test_report_lifespan_startup_opts_startup_in(tmp_path: Path) -> None:
    project = _project(tmp_path, "report-lifespan-startup = true\n")
    items = run_json("check", str(project), "--no-cache", "--select", "FPI104")
    assert _rows(items) == {("app.py", 9)}


LIFESPAN_EXIT_APP = """\
from contextlib import asynccontextmanager

from fastapi import FastAPI


def flush_audit_log():
    open("audit.log", "a")


@asynccontextmanager
async def lifespan(app):
    yield
    open("shutdown.log", "w")
    flush_audit_log()


async def on_stop():
    open("stopped.log", "w")


app = FastAPI(lifespan=lifespan, on_shutdown=[on_stop])


@app.get("/audit")
async def audit():
    return {"ok": True}
"""


def _shutdown_project(tmp_path: Path, rules: str = "") -> Path:
    return _project(tmp_path, rules, app=LIFESPAN_EXIT_APP, test=None)


def test_shutdown_code_is_quiet_by_default(tmp_path: Path) -> None:
    project = _shutdown_project(tmp_path)
    items = run_json("check", str(project), "--no-cache", "--select", "FPI104,FPI110")
    assert _rows(items) == set()


def test_report_lifespan_shutdown_opts_shutdown_in(tmp_path: Path) -> None:
    project = _shutdown_project(tmp_path, "report-lifespan-shutdown = true\n")
    items = run_json("check", str(project), "--no-cache", "--select", "FPI104,FPI110")
    by_row = {f["location"]["row"]: f["message"] for f in items}
    assert set(by_row) == {13, 14, 18}
    assert "(run at shutdown by lifespan `lifespan`)" in by_row[13]
    assert "(run at shutdown by lifespan `lifespan`)" in by_row[14]
    assert "(run at shutdown by shutdown handler `on_stop`)" in by_row[18]


def test_setting_must_be_a_bool(tmp_path: Path) -> None:
    project = _project(tmp_path, 'report-unserved = "yes"\n')
    proc = run_cli("check", str(project), "--no-cache")
    assert proc.returncode == 2
    assert "report-unserved" in proc.stderr


def test_index_kinds() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI104.served."
    assert reach[base + "cli.main"][0] == "script"
    assert reach[base + "cli.helper"][0] == "script"
    assert reach[base + "cli.import_data"][0] == "script"
    assert reach[base + "helpers.sync_worker_main"][0] == "script"
    assert reach[base + "helpers.only_tests_use_it"][0] == "test"
    assert reach[base + "tests.test_api.test_reads_file"][0] == "test"
    assert reach[base + "app.lifespan"][0] == "lifespan"
    assert reach[base + "app.legacy_startup"][0] == "startup"
    assert reach[base + "helpers.load_settings"][0] == "startup"
    assert reach[base + "helpers.poll_forever"][:2] == ["serving", "a task started by `lifespan`"]
    assert reach[base + "app.test_connection"][:2] == ["serving", "GET /items/test-connection"]
    # Unknown reach is absent: a public function nobody calls, one kept in a dispatch table.
    assert base + "helpers.public_api" not in reach
    assert base + "helpers.dispatched" not in reach


def test_decorated_commands() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    assert reach["FPI104.served.cli.backfill"][0] == "script"
    assert "FPI104.served.cli.decorated_job" not in reach
    assert "FPI104.served.helpers.nightly_cleanup" not in reach
    assert "FPI104.served.helpers.Repository.fetch" not in reach


def test_tasks_run_where_their_starter_runs() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI104.served_tasks."
    # A command-line tool's task is the tool's: asyncio.run reaches its starter.
    assert reach[base + "cli._copy_stream"][0] == "script"
    # A route's task serves through the route; a startup handler's task serves on its own.
    assert reach[base + "app.write_audit"][:2] == ["serving", "POST /events"]
    assert reach[base + "app.warm_caches"][:2] == ["serving", "a task started by `on_startup`"]
    assert reach[base + "app.on_startup"][0] == "startup"
    # A task whose starter nobody calls: an entry point of its own, as before.
    assert reach[base + "jobs.drain_queue"][:2] == ["serving", "a task started by `start_drain`"]


def test_test_packages_and_fixtures_serve_nothing() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI104.served_tasks."
    assert reach[base + "tests.integration_flow.server"][0] == "test"
    assert reach[base + "tests.integration_flow.load_payload"][0] == "test"
    assert reach[base + "plugin_fixtures.seeded_db"][0] == "test"
    assert reach[base + "plugin_fixtures.settings_file"][0] == "test"
    # Serving still wins: a helper that both a route and the tests use serves.
    assert reach["FPI104.served.helpers.used_by_routes_and_tests"][0] == "serving"


SHUTDOWN_APP = """\
import asyncio
import shutil
from contextlib import asynccontextmanager

from fastapi import FastAPI


class Pool:
    async def close(self, name):
        shutil.rmtree(name)

    async def flush(self):
        open("pool.log", "a").write("flushed")

    async def drop(self):
        open("pool.log", "a").write("dropped")


pool = Pool()


@asynccontextmanager
async def lifespan(app):
    yield
    await pool.close("all")
    await pool.flush()
    await pool.drop()


app = FastAPI(lifespan=lifespan, on_shutdown=[pool.flush])


async def worker():
    while True:
        await pool.close("job")
        await asyncio.sleep(1)


def start_workers():
    asyncio.create_task(worker())


@app.post("/flush")
async def flush_now():
    await pool.flush()
"""


def test_messages_prefer_a_request_or_task_to_shutdown(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "app.py").write_text(SHUTDOWN_APP)
    items = run_json("check", str(tmp_path), "--no-cache", "--select", "FPI104")
    by_row = {f["location"]["row"]: f["message"] for f in items}
    # The pipeline worker's task reaches `close` too: it is named, not the lifespan shutdown.
    assert "(reached from a task started by `start_workers` via Pool.close)" in by_row[10]
    # A route reaches `flush`: named before the shutdown handler and the lifespan.
    assert "(reached from POST /flush via Pool.flush)" in by_row[13]
    # Only the shutdown reaches `drop`: it runs after the last request, not reported...
    assert 16 not in by_row
    # ... unless asked for, and then it says it runs at shutdown.
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.fastapi-lint.rules]\nreport-lifespan-shutdown = true\n'
    )
    items = run_json("check", str(tmp_path), "--no-cache", "--select", "FPI104")
    by_row = {f["location"]["row"]: f["message"] for f in items}
    assert "(run at shutdown by lifespan `lifespan`)" in by_row[16]
    assert "(reached from POST /flush via Pool.flush)" in by_row[13]


def test_dead_code_in_route_modules() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI104.dead_code."
    assert reach[base + "routes.forgotten_loader"][0] == "unused"
    assert reach[base + "routes.forgotten_caller"][0] == "unused"
    assert reach[base + "routes.forgotten_callee"][0] == "unused"  # only dead code calls it
    assert reach[base + "routes.Uploads.forgotten_method"][0] == "unused"
    # Referred to somewhere, registered, a library's subclass, looked up by name: unknown.
    for name in (
        "routes.exported_loader",
        "routes.named_in_a_string",
        "routes.registered",
        "routes.Handler.on_message",
        "dynamic.do_export",
        "dispatch.report_daily",
        "standalone.not_called_here",  # no module imports it
    ):
        assert base + name not in reach, name
    assert reach[base + "routes.Uploads.called_method"][0] == "serving"


def test_report_unserved_reports_dead_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.fastapi-lint.rules]\nreport-unserved = true\n'
    )
    (tmp_path / "routes.py").write_text(
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/')\n"
        "async def home():\n    return {}\n\n\nasync def forgotten():\n    open('x').read()\n"
    )
    (tmp_path / "main.py").write_text("from routes import router\n")
    items = run_json("check", str(tmp_path), "--no-cache", "--select", "FPI104")
    assert _rows(items) == {("routes.py", 12)}
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_json("check", str(tmp_path), "--no-cache", "--select", "FPI104") == []


def test_coroutines_handed_to_a_loop_the_project_made() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI110.thread_loop.session."
    # `run_coroutine_threadsafe(coro, self.loop)` with `self.loop = new_event_loop()`, also
    # through another object's attribute and a module-level loop: the thread's loop runs them.
    handed = ("AgentSession._step_loop", "AgentSession._step", "AgentSession.add_event", "flush")
    for name in handed:
        assert reach[base + name][0] == "script", name
    # Functions that call each other are settled together when settled code enters them.
    assert reach[base + "AgentSession._delegate_step"][0] == "script"
    assert base + "ping" not in reach and base + "pong" not in reach  # nobody enters them
    assert reach["FPI110.thread_loop.scheduler.Scheduler._train"][0] == "script"
    assert reach["FPI110.thread_loop.scheduler.Relay._deliver"][0] == "serving"
    # `loop.create_task(daemon())` on a loop made with `new_event_loop()` (skypilot's daemons);
    # a task made on a loop kept from `get_running_loop()` serves.
    assert reach["FPI110.thread_loop.daemons.gc_daemon"][0] == "script"
    assert reach["FPI110.thread_loop.daemons.refresh_daemon"][0] == "serving"
    # Handed to a loop kept from `get_running_loop()`: may be the serving loop.
    assert reach[base + "Session.record"][:2] == ["serving", "WEBSOCKET /ws"]
    # Handed over once and awaited on the serving loop the next time: serving.
    assert reach[base + "AgentSession.touch"][:2] == ["serving", "WEBSOCKET /ws"]


def test_asyncio_run_before_the_server_starts_is_startup() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    reach = index.project_fact("serving_reach")
    base = "FPI104.startup_providers."
    # `asyncio.run(construct_stack())`, then `uvicorn.run(app)` in the same function: the
    # coroutine is the serving process's startup, through a lookup by name in a module
    # loaded by name (`getattr(importlib.import_module(path), method)` with `method` one of
    # two literals).
    for name in (
        "server.construct_stack",
        "server.instantiate_provider",
        "providers.files.get_provider_impl",
        "providers.files.FilesImpl.initialize",
        "providers.vectors.get_adapter_impl",
        "providers.vectors.VectorsAdapter.initialize",
    ):
        assert reach[base + name][0] == "startup", name
    # The objects startup makes live on: a method startup does not run has unknown reach.
    assert base + "providers.files.FilesImpl.list_items" not in reach
    # Also reached from a request: serving.
    assert reach[base + "kvstore.kvstore_impl"][:2] == ["serving", "middleware `quota`"]
    assert reach[base + "plugins.load_plugin"][0] == "serving"
    assert base + "plugins.get_warm_impl" not in reach  # `registry` is no loaded module


SERVER_MAIN = """\
import asyncio

import uvicorn
from fastapi import FastAPI

app = FastAPI()


async def setup():
    open("setup.toml")


async def migrate():
    open("migrate.sql")


def main():
    asyncio.run(setup())
    uvicorn.run(app)


def cli():
    asyncio.run(migrate())
"""


def test_report_lifespan_startup_opts_server_startup_in(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    quiet = run_json(
        "check", str(_project(tmp_path / "a", app=SERVER_MAIN, test=None)), "--no-cache"
    )
    assert _rows(quiet) == set()
    project = _project(tmp_path / "b", "report-lifespan-startup = true\n", SERVER_MAIN, None)
    items = run_json("check", str(project), "--no-cache", "--select", "FPI104")
    # The server's startup is back; the script (`cli`, which starts no server) is not.
    assert _rows(items) == {("app.py", 10)}


def test_report_debug_switches_reports_developer_modes(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "app"
    shutil.copytree(FIXTURES / "FPI104" / "developer_mode", target / "dev")
    quiet = run_json("check", str(target), "--no-cache", "--select", "FPI104,FPI110")
    quiet_rows = {f["location"]["row"] for f in quiet if f["filename"].endswith("routes.py")}
    assert not quiet_rows & {19, 20, 28, 35, 42}
    (target / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.fastapi-lint.rules]\nreport-debug-switches = true\n'
    )
    items = run_json("check", str(target), "--no-cache", "--select", "FPI104,FPI110")
    rows = {f["location"]["row"] for f in items if f["filename"].endswith("routes.py")}
    # The routes behind a developer mode are checked again.
    assert {19, 20, 28, 35, 42} <= rows


def test_known_callers_are_every_use() -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import api

    index = api.project_index(load_settings(FIXTURES), use_cache=False)
    known = index.project_fact("known_callers")
    base = "FPI104.caller_literals."
    assert [site[1:3] for site in known[base + "uploads.upload_fn"]] == [
        ["static_upload", 31],
        ["upload", 26],
    ]
    assert base + "uploads.export" not in known  # also stored in a dict
    assert base + "uploads.upload" not in known  # a route
    assert base + "stores.LocalStore.write" not in known  # an override a base call reaches
    assert base + "states.Controller.set_state" in known
