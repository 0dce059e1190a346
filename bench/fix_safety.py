#!/usr/bin/env python3
"""Never break code: internal errors, parse failures and fix safety over the real-world corpora.

    /tmp/venv/bin/python bench/fix_safety.py [--corpora .corpora] [--only NAME,...]
                                             [--write docs/real-world.md]

For every corpus (each package fetched by `../shared/corpora.sh .corpora all`), on a scratch copy
outside any git work tree, with every rule on (`--extend-select ALL`) and no cache:

1. `fastapi-lint check --output-format json` must report no FPI002 (internal error), and FPI001
   only for files that `compile()` under this Python rejects too (py2 code, templates).
2. `fastapi-lint check --fix --unsafe-fixes` must leave every file that compiled before still
   compiling; files with no fixable finding must stay byte-identical.
3. A second `--fix --unsafe-fixes` run must change nothing (fixes reach a fixed point).

The results are printed and, with --write, kept in a marked section of the markdown file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ["argilla-server", "fastapi", "open-webui", "prefect", "apache-airflow-core"]
BEGIN = "<!-- fix_safety:begin -->"
END = "<!-- fix_safety:end -->"
LINT = [sys.executable, "-m", "fastapi_lint", "check", "--no-cache", "--extend-select", "ALL"]


def compiles(data: bytes, path: str) -> str | None:
    """None when the bytes compile, else Python's message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except RecursionError:
        return "RecursionError"
    return None


def snapshot_files(folder: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith((".py", ".pyi")):
                path = Path(dirpath) / name
                out[str(path.relative_to(folder))] = path.read_bytes()
    return out


def run_json(args: list[str], cwd: Path) -> tuple[list[dict], str]:
    proc = subprocess.run(
        [*LINT, *args, "--output-format", "json", "--exit-zero", "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(proc.stdout or "[]"), proc.stderr
    except ValueError:
        return [], f"exit {proc.returncode}: unparsable output\n{proc.stderr[-2000:]}"


def check_corpus(corpora: Path, name: str, scratch: Path) -> dict:
    src = corpora / name
    work = scratch / name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work, symlinks=True)
    before = snapshot_files(work)
    report: dict = {"corpus": name, "files": len(before)}

    started = time.perf_counter()
    findings, stderr = run_json([], work)
    report["check_seconds"] = round(time.perf_counter() - started, 1)
    report["stderr"] = stderr.strip()[-2000:]
    rel = {f["filename"]: os.path.relpath(f["filename"], work) for f in findings}
    report["FPI002"] = [
        f"{rel[f['filename']]}:{f['location']['row']}: {f['message']}"
        for f in findings
        if f["code"] == "FPI002"
    ]
    fpi001 = sorted({rel[f["filename"]] for f in findings if f["code"] == "FPI001"})
    report["FPI001"] = len(fpi001)
    report["FPI001_but_compiles"] = [p for p in fpi001 if compiles(before[p], p) is None]
    report["findings"] = len(findings)
    fixable = {rel[f["filename"]] for f in findings if f.get("fix")}
    report["files_with_fixes"] = len(fixable)

    # First fix run.
    started = time.perf_counter()
    _, stderr1 = run_json(["--fix", "--unsafe-fixes"], work)
    report["fix_seconds"] = round(time.perf_counter() - started, 1)
    after = snapshot_files(work)
    changed = sorted(p for p in before if after.get(p) != before[p])
    report["files_changed"] = len(changed)
    report["changed_without_fixable_finding"] = [p for p in changed if p not in fixable]
    broken = []
    for path in changed:
        if compiles(before[path], path) is None:
            message = compiles(after[path], path)
            if message is not None:
                broken.append(f"{path}: {message}")
    report["broken_by_fix"] = broken
    report["fix_stderr"] = stderr1.strip()[-2000:]

    # Second fix run: a fixed point.
    _, _stderr2 = run_json(["--fix", "--unsafe-fixes"], work)
    again = snapshot_files(work)
    report["changed_by_second_run"] = sorted(p for p in after if again.get(p) != after[p])
    report["changed_files"] = changed
    shutil.rmtree(work, ignore_errors=True)
    return report


def markdown(reports: list[dict], commit: str) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        BEGIN,
        "## Never break code (`bench/fix_safety.py`)",
        "",
        f"_Generated on {stamp}, fastapi-lint at commit {commit}, Python "
        f"{sys.version.split()[0]}, every rule on (`--extend-select ALL`), no cache._",
        "",
        "```",
        "/tmp/venv/bin/python bench/fix_safety.py --write docs/real-world.md",
        "```",
        "",
        "| corpus | files | findings | FPI002 | FPI001 | FPI001 on files that compile | "
        "files with fixes | files changed by --fix --unsafe-fixes | broken by the fix | "
        "changed without a fixable finding | changed by a second run |",
        "|" + "---|" * 11,
    ]
    for r in reports:
        lines.append(
            f"| {r['corpus']} | {r['files']} | {r['findings']} | {len(r['FPI002'])} | "
            f"{r['FPI001']} | {len(r['FPI001_but_compiles'])} | {r['files_with_fixes']} | "
            f"{r['files_changed']} | {len(r['broken_by_fix'])} | "
            f"{len(r['changed_without_fixable_finding'])} | {len(r['changed_by_second_run'])} |"
        )
    details = []
    for r in reports:
        for key in (
            "FPI002",
            "FPI001_but_compiles",
            "broken_by_fix",
            "changed_without_fixable_finding",
            "changed_by_second_run",
        ):
            for item in r[key]:
                details.append(f"- {r['corpus']}: {key}: `{item}`")
    if details:
        lines += ["", "Problems found:", "", *details]
    else:
        lines += ["", "No problem found: every check above holds on every corpus."]
    lines.append(END)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT / ".corpora")
    parser.add_argument("--only", default=",".join(CORPORA))
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also dump the raw report")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    reports = []
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-fix-safety-") as tmp:
        # A snapshot of the package: edits made in the working tree meanwhile do not matter.
        shutil.copytree(
            ROOT / "src" / "fastapi_lint",
            Path(tmp) / "pkg" / "fastapi_lint",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        os.environ["PYTHONPATH"] = str(Path(tmp) / "pkg")
        for name in [n.strip() for n in args.only.split(",") if n.strip()]:
            print(f"corpus {name}", file=sys.stderr, flush=True)
            report = check_corpus(args.corpora.resolve(), name, Path(tmp))
            print(
                json.dumps({k: v for k, v in report.items() if k != "changed_files"}, indent=1),
                file=sys.stderr,
                flush=True,
            )
            reports.append(report)
    text = markdown(reports, commit)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1))
    if args.write:
        old = args.write.read_text() if args.write.exists() else "# Real-world results\n"
        if BEGIN in old and END in old:
            new = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) :]
        else:
            new = old.rstrip("\n") + "\n\n" + text + "\n"
        args.write.write_text(new)
    bad = any(
        r["FPI002"]
        or r["FPI001_but_compiles"]
        or r["broken_by_fix"]
        or r["changed_without_fixable_finding"]
        or r["changed_by_second_run"]
        for r in reports
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
