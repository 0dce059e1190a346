"""Cold versus warm (cached) runs of the real CLI over a generated 1,000-file FastAPI-like tree.

usage: python bench/warm_vs_cold.py [--files N] [--runs R] [--keep DIR]

The tree is written to a temporary folder (or DIR): packages of routers, services, models and
dependencies that import each other, so the project index and the cross-module facts are
exercised. A cold run is `check --no-cache`; a warm run is `check` after one run has filled the
cache. Each is timed R times (the best is reported, as is usual for wall-clock timings). The
target of issue 2 is warm at least 5x faster than cold.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUTER = '''"""Routes of package {pkg}, module {n}."""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from ..deps import get_settings
from ..models import Item{n}, ItemCreate{n}
from ..services import load_item_{n}, store_item_{n}

router = APIRouter(prefix="/{pkg}/items{n}", tags=["{pkg}"])


@router.get("/")
async def list_items(limit: int = 10, settings: Annotated[dict, Depends(get_settings)] = None):
    items = [Item{n}(id=i, name=f"item {{i}}") for i in range(limit)]
    return {{"items": items, "debug": settings}}


@router.get("/{{item_id}}")
async def read_item(item_id: int):
    item = load_item_{n}(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="not found")
    return item


@router.post("/")
async def create_item(body: ItemCreate{n}):
    {sleep}
    return store_item_{n}(body)


@router.delete("/{{item_id}}")
def delete_item(item_id: int) -> dict:
    time.sleep(0.001)  # fine: a sync route runs in the threadpool
    return {{"deleted": item_id}}


def helper_{n}(values: list[int]) -> int:
    total = 0
    for value in values:
        if value % 2:
            total += value
        else:
            total -= value
    return total
'''

SERVICES_HEAD = '''"""Service layer of package {pkg}."""

from __future__ import annotations

from .models import {imports}

'''

SERVICE = """
def load_item_{n}(item_id: int) -> Item{n} | None:
    if item_id < 0:
        return None
    return Item{n}(id=item_id, name=str(item_id))


def store_item_{n}(body: ItemCreate{n}) -> Item{n}:
    return Item{n}(id=1, name=body.name)
"""

MODELS_HEAD = '''"""Models of package {pkg}."""

from pydantic import BaseModel

'''

MODEL = """

class ItemCreate{n}(BaseModel):
    name: str
    description: str | None = None


class Item{n}(ItemCreate{n}):
    id: int
"""

DEPS = '''"""Dependencies of package {pkg}."""

from functools import lru_cache


@lru_cache
def get_settings() -> dict:
    return {{"debug": False}}
'''


def generate(root: Path, files: int) -> int:
    """Writes about `files` Python files under root; returns how many were written."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "bench-app"\n\n[tool.fastapi-lint]\n')
    per_package = 20
    written = 0
    pkg_index = 0
    while written < files:
        pkg = f"pkg{pkg_index:03d}"
        base = root / "app" / pkg
        (base / "routers").mkdir(parents=True, exist_ok=True)
        (base / "__init__.py").write_text("")
        (base / "routers" / "__init__.py").write_text("")
        (base / "deps.py").write_text(DEPS.format(pkg=pkg))
        written += 3
        count = max(1, min(per_package, files - written - 2))
        names = ", ".join(f"Item{n}, ItemCreate{n}" for n in range(count))
        (base / "models.py").write_text(
            MODELS_HEAD.format(pkg=pkg) + "".join(MODEL.format(n=n) for n in range(count))
        )
        (base / "services.py").write_text(
            SERVICES_HEAD.format(pkg=pkg, imports=names)
            + "".join(SERVICE.format(n=n) for n in range(count))
        )
        written += 2
        for n in range(count):
            sleep = "time.sleep(0.01)" if n % 5 == 0 else "pass"
            (base / "routers" / f"items{n}.py").write_text(ROUTER.format(pkg=pkg, n=n, sleep=sleep))
            written += 1
        pkg_index += 1
    (root / "app" / "__init__.py").write_text("")
    return written + 1


def snapshot_package(dest: Path) -> Path:
    """A copy of the fastapi_lint package being measured. The cache is keyed by the code of
    fastapi-lint itself, so an edit to the working tree during the benchmark (other work in
    the same checkout) would turn the warm runs cold; the copy keeps the code fixed."""
    import fastapi_lint

    source = Path(fastapi_lint.__file__).resolve().parent
    shutil.copytree(source, dest / "fastapi_lint", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


SNAPSHOT: Path | None = None
CPU_TIMES: list[float] = []


def run_cli(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Runs the CLI; returns wall-clock seconds (and records CPU seconds in CPU_TIMES)."""
    env = dict(os.environ)
    env.pop("FASTAPI_LINT_CACHE_DIR", None)
    # Measure as installed code runs: with bytecode caches (some sandboxes disable them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = str(SNAPSHOT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "check", ".", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_TIMES.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"fastapi-lint failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="generate into this folder")
    args = parser.parse_args()

    tmp = None
    if args.keep is not None:
        root = args.keep
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        tmp = tempfile.mkdtemp(prefix="fpi-bench-")
        root = Path(tmp)
    global SNAPSHOT
    code_dir = Path(tempfile.mkdtemp(prefix="fpi-bench-code-"))
    SNAPSHOT = snapshot_package(code_dir)
    try:
        count = generate(root / "tree", args.files)
        root = root / "tree"
        cold_times, cold_cpu = [], []
        for _ in range(args.runs):
            elapsed, cold = run_cli(root, "--no-cache")
            cold_times.append(elapsed)
            cold_cpu.append(CPU_TIMES[-1])
        run_cli(root)  # fills the cache
        warm_times, warm_cpu = [], []
        for _ in range(args.runs):
            elapsed, warm = run_cli(root, "--verbose")
            warm_times.append(elapsed)
            warm_cpu.append(CPU_TIMES[-1])
        # One edited file (a comment added to a module that others import): the index is
        # rebuilt from cached summaries and every cached finding is checked against its deps.
        edited = root / "app" / "pkg000" / "models.py"
        edited.write_text(edited.read_text() + "# edited\n")
        incremental, _ = run_cli(root, "--verbose")
        incremental_cpu = CPU_TIMES[-1]
        if cold.stdout != warm.stdout:
            raise SystemExit("the warm run reported different findings from the cold run")
        cold_best, warm_best = min(cold_times), min(warm_times)
        found = [line for line in cold.stdout.splitlines() if line.startswith(("Found", "All"))]
        findings = found[0] if found else ""
        print(f"files: {count} ({findings})")
        print(
            f"cold (--no-cache): {cold_best:.2f}s  runs: {', '.join(f'{t:.2f}' for t in cold_times)}"
        )
        print(
            f"warm (cached):     {warm_best:.2f}s  runs: {', '.join(f'{t:.2f}' for t in warm_times)}"
        )
        print(f"one file edited:   {incremental:.2f}s  (CPU {incremental_cpu:.2f}s)")
        print(f"warm verbose line: {warm.stderr.strip().splitlines()[0] if warm.stderr else ''}")
        print(
            f"CPU seconds (user+sys, all processes): cold {min(cold_cpu):.2f}, "
            f"warm {min(warm_cpu):.2f} (ratio {min(cold_cpu) / min(warm_cpu):.1f}x)"
        )
        ratio = cold_best / warm_best
        print(f"ratio: {ratio:.1f}x (target: at least 5x) -> {'met' if ratio >= 5 else 'MISSED'}")
        return 0 if ratio >= 5 else 1
    finally:
        shutil.rmtree(code_dir, ignore_errors=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
