#!/usr/bin/env python3
"""Benchmark fastapi-lint against its peers on the real-world corpora (a script, not a test).

    /tmp/venv/bin/python bench/run_bench.py [--corpora .corpora] [--only small,medium,large]
                                            [--repeat N] [--write docs/performance.md]

The corpora come from `../shared/corpora.sh .corpora all`. Each corpus is copied once to a scratch
folder outside any git work tree (so no tool sees this repository's `.gitignore` or config; the
large group gets a `fastapi-lint.toml` making each package an import root), then,
in one run on the same machine, every command below is timed on the same files:

    fastapi-lint cold   fastapi-lint check --no-cache --exit-zero -q .
    fastapi-lint warm   fastapi-lint check --exit-zero -q .            (after one priming run)
    fastapi-lint -j1    fastapi-lint check --no-cache --exit-zero -q --jobs 1 .
    flake8-async        flake8 --isolated --select ASYNC .             (default jobs)
    ruff                ruff check --isolated --select ASYNC,FAST --no-cache --exit-zero .
    libcst parse        one process parsing every file fastapi-lint lints with libcst.parse_module

Peak memory: "max RSS" is the largest single process of the command's tree (ru_maxrss from
wait4, which covers every waited-for descendant); "sum RSS" is the largest sum of the resident
sets of the whole process tree, sampled from /proc every 20 ms. "CPU s" is user + system time of
the whole tree (also from wait4): on a shared machine it is steadier than wall time. Wall time is
the best of `--repeat` runs (default 1); CPU and memory are taken from that same run. Ratios are
of wall times. fastapi-lint runs from a snapshot of `src/fastapi_lint` (byte-compiled) taken at
the start, so edits made in the working tree during the run do not change the code under test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GROUPS = {
    "small": ["argilla-server"],
    "medium": ["fastapi"],
    "large": ["open-webui", "prefect", "apache-airflow-core"],
}
# flake8 runs every installed plugin whatever --select says, and this venv also holds
# fastapi-lint's own flake8 plugin: the peer runs from a venv with only flake8 and flake8-async
# (`python -m venv /tmp/bench-flake8 && /tmp/bench-flake8/bin/pip install flake8 flake8-async`).
FLAKE8 = os.environ.get("FASTAPI_LINT_BENCH_FLAKE8", "/tmp/bench-flake8/bin/flake8")
SCRATCH = Path(os.environ.get("FASTAPI_LINT_BENCH_DIR", "/tmp/fastapi-lint-bench"))
PAGE = os.sysconf("SC_PAGE_SIZE")
BEGIN = "<!-- run_bench:begin -->"
END = "<!-- run_bench:end -->"

PARSE_SCRIPT = r"""
import sys, libcst
ok = bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    path = line.rstrip("\n")
    try:
        data = open(path, "rb").read()
        libcst.parse_module(data)
        ok += 1
    except Exception:
        bad += 1
print(ok, bad)
"""


@dataclass
class Measure:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    sum_rss_mb: float
    returncode: int


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree_rss(pid: int) -> int:
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(current))
    return total


def measure(cmd: list[str], cwd: Path) -> Measure:
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=poll, daemon=True)
    sampler.start()
    # wait4 gives the rusage of the child and its waited-for descendants: ru_maxrss (KiB) is
    # the largest single process.
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 1) or "Traceback" in err:
        print(f"  ! {' '.join(cmd)} exited {proc.returncode}: {err[-400:]}", file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(
        seconds,
        cpu,
        usage.ru_maxrss / 1024,
        max(peak[0], usage.ru_maxrss * 1024) / 2**20,
        proc.returncode,
    )


def prepare(corpora: Path, group: str) -> Path:
    """Copies the group's corpora under SCRATCH/<group>/ once (outside every git work tree)."""
    dest = SCRATCH / group
    stamp = dest / ".bench-stamp"
    names = GROUPS[group]
    want = " ".join(
        (corpora / n / ".corpus-stamp").read_text().strip() if (corpora / n).is_dir() else "?"
        for n in names
    ) + (" +src" if len(names) > 1 else "")
    if stamp.is_file() and stamp.read_text() == want:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in names:
        src = corpora / name
        if not src.is_dir():
            raise SystemExit(f"missing corpus {src}: run ../shared/corpora.sh {corpora} {group}")
        shutil.copytree(src, dest / name, symlinks=True)
    if len(names) > 1:
        # Several packages side by side: each is its own import root, as in its own checkout,
        # so `from airflow.models import ...` resolves across modules.
        roots = ", ".join(f'"{n}"' for n in names)
        (dest / "fastapi-lint.toml").write_text(f"src = [{roots}]\n")
    stamp.write_text(want)
    return dest


def lint_files(folder: Path) -> list[str]:
    out = subprocess.run(
        [str(VENV_BIN / "fastapi-lint"), "check", "--show-files", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in out.stdout.splitlines() if line.endswith((".py", ".pyi"))]


def snapshot() -> str:
    """Copies the package to SCRATCH/pkg so edits in the working tree during a run cannot
    change the code under test; returns the commit it was taken at."""
    dest = SCRATCH / "pkg"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "fastapi_lint",
        dest / "fastapi_lint",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    os.environ["PYTHONPATH"] = str(dest)
    # byte-compile once, as an installed package runs
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(dest)], check=False)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + (" plus uncommitted edits in src/" if dirty else "")


def commands(folder: Path, file_list: Path) -> dict[str, list[str]]:
    fl = str(VENV_BIN / "fastapi-lint")
    return {
        "fastapi-lint cold": [fl, "check", "--no-cache", "--exit-zero", "-q", "."],
        "fastapi-lint warm": [fl, "check", "--exit-zero", "-q", "."],
        "fastapi-lint --jobs 1": [
            fl,
            "check",
            "--no-cache",
            "--exit-zero",
            "-q",
            "--jobs",
            "1",
            ".",
        ],
        "flake8-async": [FLAKE8, "--isolated", "--select", "ASYNC", "."],
        "ruff": [
            str(VENV_BIN / "ruff"),
            "check",
            "--isolated",
            "--select",
            "ASYNC,FAST",
            "--no-cache",
            "--exit-zero",
            "-q",
            ".",
        ],
        "libcst parse": [sys.executable, "-c", PARSE_SCRIPT, str(file_list)],
    }


PEERS = ("flake8-async", "ruff", "libcst parse")


def _saved(group: str) -> dict[str, Measure]:
    path = SCRATCH / f"{group}.results.json"
    try:
        return {k: Measure(**v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, TypeError):
        return {}


def run_group(
    corpora: Path,
    group: str,
    repeat: int,
    skip: set[str],
    reuse_peers: bool = False,
    table_only: bool = False,
) -> tuple[dict, int, int]:
    folder = prepare(corpora, group)
    earlier = _saved(group)
    saved = earlier if reuse_peers or table_only else {}
    files = lint_files(folder)
    lines = 0
    for f in files:
        try:
            with open(f, "rb") as handle:
                lines += handle.read().count(b"\n")
        except OSError:
            pass
    if table_only:
        order = list(commands(folder, SCRATCH / f"{group}.files"))
        return {k: saved[k] for k in order if k in saved}, len(files), lines
    file_list = SCRATCH / f"{group}.files"
    file_list.write_text("\n".join(files) + "\n")
    cache = folder / ".fastapi_lint_cache"
    results: dict[str, Measure] = {}
    for name, cmd in commands(folder, file_list).items():
        if name in skip:
            continue
        if name in PEERS and name in saved:
            # The peers do not change with our code: their last measurement is reused.
            results[name] = saved[name]
            continue
        best: Measure | None = None
        for _ in range(repeat):
            if name == "fastapi-lint warm":
                # prime the cache with a cold run, then time the warm one
                shutil.rmtree(cache, ignore_errors=True)
                measure(cmd, folder)
            else:
                shutil.rmtree(cache, ignore_errors=True)
            m = measure(cmd, folder)
            if best is None or m.seconds < best.seconds:
                best = m
        assert best is not None
        results[name] = best
        print(
            f"  {group:6} {name:22} {best.seconds:8.2f} s  cpu {best.cpu_seconds:8.2f} s  max {best.max_rss_mb:6.0f} MB"
            f"  sum {best.sum_rss_mb:6.0f} MB",
            file=sys.stderr,
            flush=True,
        )
    shutil.rmtree(cache, ignore_errors=True)
    (SCRATCH / f"{group}.results.json").write_text(
        json.dumps({k: vars(v) for k, v in {**earlier, **results}.items()})
    )
    return results, len(files), lines


def table(all_results: dict[str, tuple[dict, int, int]]) -> str:
    peers = ["flake8-async", "ruff", "libcst parse"]
    head = (
        "| corpus | files | lines | command | wall s | CPU s | files/s | max RSS MB | "
        "sum RSS MB | x flake8-async | x ruff | x libcst parse | CPU x flake8-async | CPU x ruff |"
    )
    rows = [head, "|" + "---|" * 14]
    for group, (results, files, lines) in all_results.items():
        for name, m in results.items():
            ratios = []
            for peer in peers:
                p = results.get(peer)
                ratios.append(f"{m.seconds / p.seconds:.2f}" if p and p.seconds > 0 else "-")
            for peer in peers[:2]:
                p = results.get(peer)
                ok = p is not None and p.cpu_seconds > 0
                ratios.append(f"{m.cpu_seconds / p.cpu_seconds:.2f}" if ok else "-")
            rate = files / m.seconds if m.seconds > 0 else 0
            rows.append(
                f"| {group} | {files} | {lines} | {name} | {m.seconds:.2f} | {m.cpu_seconds:.2f} | "
                f"{rate:.0f} | "
                f"{m.max_rss_mb:.0f} | {m.sum_rss_mb:.0f} | " + " | ".join(ratios) + " |"
            )
    return "\n".join(rows)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    mem = ""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal"):
                    mem = f", {int(line.split()[1]) // 1024} MB RAM"
    except OSError:
        pass
    return (
        f"{cpu}, {cores} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def versions() -> str:
    def ver(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        except OSError:
            return "?"
        return out.strip().splitlines()[0] if out.strip() else "?"

    from importlib.metadata import version

    return (
        f"{ver([str(VENV_BIN / 'fastapi-lint'), '--version'])}; "
        f"flake8 {ver([FLAKE8, '--version'])}; "
        f"{ver([str(VENV_BIN / 'ruff'), '--version'])}; libcst {version('libcst')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT / ".corpora")
    parser.add_argument("--only", default="small,medium,large")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma-separated command names to skip")
    parser.add_argument(
        "--reuse-peers",
        action="store_true",
        help="reuse the last measurement of flake8-async, ruff and the LibCST parse",
    )
    parser.add_argument(
        "--table-only", action="store_true", help="print the table of the last measurements"
    )
    parser.add_argument("--write", type=Path, default=None, help="markdown file for the table")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    commit = "(table of earlier measurements)" if args.table_only else snapshot()
    all_results = {}
    for group in [g.strip() for g in args.only.split(",") if g.strip()]:
        print(f"corpus {group}", file=sys.stderr, flush=True)
        all_results[group] = run_group(
            args.corpora.resolve(), group, args.repeat, skip, args.reuse_peers, args.table_only
        )
    text = table(all_results)
    print(text)
    if args.write:
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        section = (
            f"{BEGIN}\n_Generated by `bench/run_bench.py` on {stamp}, fastapi-lint at commit "
            f"{commit}._\n\nMachine: {machine()}; load average before the run: "
            f"{os.getloadavg()[0]:.1f}.\n\nTools: {versions()}.\n\n{text}\n{END}"
        )
        old = args.write.read_text() if args.write.exists() else ""
        if BEGIN in old and END in old:
            new = old[: old.index(BEGIN)] + section + old[old.index(END) + len(END) :]
        else:
            new = old.rstrip("\n") + "\n\n" + section + "\n"
        args.write.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
