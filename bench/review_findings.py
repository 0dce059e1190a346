#!/usr/bin/env python3
"""Collect every rule's findings over the real-world corpora and draw the review sample.

    /tmp/venv/bin/python bench/review_findings.py run      [--corpora .corpora] [--out F.json]
    /tmp/venv/bin/python bench/review_findings.py sample   [--in F.json] [--seed 20261127]
    /tmp/venv/bin/python bench/review_findings.py table    [--in F.json] [--verdicts V.json]
    /tmp/venv/bin/python bench/review_findings.py compare  --before OLD.json --in NEW.json

`run --corpus NAME[=PATH] --select CODES` lints other corpora (e.g. bench/new_corpora.sh's) with
some rules only; `--codes FPI3` limits sample/review/table to some rules; `review --title T`
prints one run as a section of its own; `compare` lists the findings gone and new between two
runs of the same corpora (a recall check). `--sample N` changes the sample size (50), and
`--by-position` draws it from the findings sorted by (corpus, path, row, column) rather than by
their key as text (the fresh-app review: `--seed 20261201 --sample 25 --by-position`). `import
--raw NAME=F.json --root NAME=PATH` turns the `fastapi-lint check --output-format json` output
of a run made by hand (from the app's own folder, `--jobs 1`) into a run's JSON.

`run` lints each corpus (a scratch copy outside any git work tree, every rule on, no cache) and
stores the findings. `sample` prints, per rule, all findings when the rule has at most 50 and a
seeded random sample of 50 otherwise, each with the source lines around it, for a person to
judge. `table` joins the verdicts (a JSON object mapping "corpus:path:row:column:code" to
"true: <why>" or "false: <why>") into the markdown table of docs/real-world.md, and `review`
prints every reviewed finding with its verdict (docs/real-world-review.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ["argilla-server", "fastapi", "open-webui", "prefect", "apache-airflow-core"]
SAMPLE = 50
DEFAULT_SEED = 20261127


def corpus_dirs(corpora: Path, specs: list[str] | None) -> dict[str, Path]:
    """`NAME` (a folder under --corpora) or `NAME=PATH` (e.g. `polar=.../polar/server`, the
    folder holding the app's pyproject.toml) for each --corpus; the shared corpora by default."""
    if not specs:
        return {name: corpora / name for name in CORPORA}
    out = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        out[name] = Path(path).resolve() if path else corpora / name
    return out


def run(
    corpora: dict[str, Path],
    out: Path,
    select: str | None = None,
    config: Path | None = None,
    jobs: int | None = None,
) -> None:
    results: dict = {"files": {}, "findings": [], "select": select or "ALL"}
    chosen = ["--select", select] if select else ["--extend-select", "ALL"]
    if config is not None:
        chosen += ["--config", str(config.resolve())]
    if jobs is not None:
        chosen += ["--jobs", str(jobs)]
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-review-") as tmp:
        for name, source in corpora.items():
            work = Path(tmp) / name
            shutil.copytree(source, work, symlinks=True)
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "fastapi_lint",
                    "check",
                    "--no-cache",
                    *chosen,
                    "--output-format",
                    "json",
                    "--exit-zero",
                    ".",
                ],
                cwd=work,
                capture_output=True,
                text=True,
                check=False,
            )
            files = sum(
                1 for _d, _s, fs in os.walk(work) for f in fs if f.endswith((".py", ".pyi"))
            )
            results["files"][name] = files
            results.setdefault("roots", {})[name] = str(source)
            for f in json.loads(proc.stdout or "[]"):
                rel = os.path.relpath(f["filename"], work)
                results["findings"].append(
                    {
                        "corpus": name,
                        "path": rel,
                        "row": f["location"]["row"],
                        "column": f["location"]["column"],
                        "code": f["code"],
                        "message": f["message"],
                        "fixable": f.get("fix") is not None,
                    }
                )
            print(f"{name}: {files} files", file=sys.stderr, flush=True)
    out.write_text(json.dumps(results, indent=1))


def key(f: dict) -> str:
    return f"{f['corpus']}:{f['path']}:{f['row']}:{f['column']}:{f['code']}"


def position(f: dict) -> tuple:
    return (f["corpus"], f["path"], f["row"], f["column"])


BY_POSITION = False


def sampled(data: dict, seed: int) -> dict[str, list[dict]]:
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for f in data["findings"]:
        if f["code"] not in ("FPI001", "FPI002"):
            by_rule[f["code"]].append(f)
    order = position if BY_POSITION else key
    out = {}
    for code in sorted(by_rule):
        items = sorted(by_rule[code], key=order)
        if len(items) > SAMPLE:
            items = sorted(random.Random(f"{seed}-{code}").sample(items, SAMPLE), key=order)
        out[code] = items
    return out


def import_raw(raws: list[str], roots: list[str], out: Path, select: str) -> None:
    """A run's JSON from `fastapi-lint check --output-format json` output saved by hand."""
    where = dict(spec.split("=", 1) for spec in roots)
    results: dict = {"files": {}, "findings": [], "select": select, "roots": {}}
    for spec in raws:
        name, _, raw = spec.partition("=")
        root = Path(where[name]).resolve()
        results["roots"][name] = str(root)
        results["files"][name] = sum(
            1 for _d, _s, fs in os.walk(root) for f in fs if f.endswith((".py", ".pyi"))
        )
        for f in json.loads(Path(raw).read_text() or "[]"):
            results["findings"].append(
                {
                    "corpus": name,
                    "path": os.path.relpath(os.path.join(root, f["filename"]), root),
                    "row": f["location"]["row"],
                    "column": f["location"]["column"],
                    "code": f["code"],
                    "message": f["message"],
                    "fixable": f.get("fix") is not None,
                }
            )
    out.write_text(json.dumps(results, indent=1))


def sample(data: dict, seed: int, corpora: Path, context: int) -> None:
    for code, items in sampled(data, seed).items():
        print(f"\n######## {code}: {len(items)} reviewed")
        for f in items:
            print(f"\n=== {key(f)}  {f['message']}")
            root = data.get("roots", {}).get(f["corpus"])
            path = (Path(root) if root else corpora / f["corpus"]) / f["path"]
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            lo, hi = max(0, f["row"] - 1 - context), min(len(lines), f["row"] + context // 2)
            for i in range(lo, hi):
                mark = ">>" if i == f["row"] - 1 else "  "
                print(f"{mark}{i + 1:5} {lines[i]}")


def table(data: dict, verdicts: dict[str, str], seed: int) -> str:
    counts = Counter((f["corpus"], f["code"]) for f in data["findings"])
    reviewed = sampled(data, seed)
    codes = sorted({c for _corpus, c in counts})
    rows = ["| corpus | files | " + " | ".join(codes) + " |", "|---|---|" + "---|" * len(codes)]
    for corpus, files in data["files"].items():
        rows.append(
            f"| {corpus} | {files} | "
            + " | ".join(str(counts.get((corpus, c), 0)) for c in codes)
            + " |"
        )
    rows += [
        "",
        "| rule | findings | reviewed | true | false | true % |",
        "|---|---|---|---|---|---|",
    ]
    totals = Counter()
    for code in codes:
        total = sum(n for (_c, c), n in counts.items() if c == code)
        items = reviewed.get(code, [])
        judged = [verdicts.get(key(f), "") for f in items]
        true = sum(1 for v in judged if v.startswith("true"))
        false = sum(1 for v in judged if v.startswith("false"))
        pct = f"{100 * true / (true + false):.0f}%" if true + false else "-"
        rows.append(f"| {code} | {total} | {len(items)} | {true} | {false} | {pct} |")
        totals.update(findings=total, reviewed=len(items), true=true, false=false)
    pct = (
        f"{100 * totals['true'] / (totals['true'] + totals['false']):.0f}%"
        if totals["true"] + totals["false"]
        else "-"
    )
    rows.append(
        f"| all | {totals['findings']} | {totals['reviewed']} | {totals['true']} | "
        f"{totals['false']} | {pct} |"
    )
    return "\n".join(rows)


BEGIN = "<!-- review:begin -->"
END = "<!-- review:end -->"


def review_section(data: dict, verdicts: dict[str, str], seed: int, title: str) -> str:
    """One run's reviewed sample as a section of its own (## title, ### per rule)."""
    corpora = ", ".join(f"{name} ({n} files)" for name, n in data["files"].items())
    lines = [
        f"## {title}",
        "",
        f"Rules `{data.get('select', 'ALL')}` over {corpora}; no cache. Rules with at most "
        f"{SAMPLE} findings are reviewed in full, the others through a sample of {SAMPLE} drawn "
        f"with `random.Random(f'{{seed}}-{{code}}')`, seed **{seed}**.",
    ]
    for code, items in sampled(data, seed).items():
        total = sum(1 for f in data["findings"] if f["code"] == code)
        judged = [verdicts.get(key(f), "") for f in items]
        true = sum(1 for v in judged if v.startswith("true"))
        false = sum(1 for v in judged if v.startswith("false"))
        lines += ["", f"### {code} ({len(items)} reviewed of {total}: {true} true, {false} false)"]
        lines += ["", "| finding | message | verdict |", "|---|---|---|"]
        for f in items:
            verdict = verdicts.get(key(f), "not reviewed").replace("|", "\\|")
            message = f["message"].replace("|", "\\|")
            lines.append(
                f"| `{f['corpus']}:{f['path']}:{f['row']}:{f['column']}` | {message} | {verdict} |"
            )
    return "\n".join(lines) + "\n"


def compare(before: dict, after: dict) -> int:
    """Findings of `before` missing from `after` (lost recall) and new ones, per rule."""
    old = {key(f): f for f in before["findings"]}
    new = {key(f): f for f in after["findings"]}
    lost = sorted(set(old) - set(new))
    gained = sorted(set(new) - set(old))
    codes = sorted({k.rsplit(":", 1)[1] for k in set(old) | set(new)})
    print("| rule | before | after | gone | new |")
    print("|---|---|---|---|---|")
    for code in codes:
        n = [sum(1 for k in keys if k.endswith(":" + code)) for keys in (old, new, lost, gained)]
        print(f"| {code} | {n[0]} | {n[1]} | {n[2]} | {n[3]} |")
    for label, keys, source in (("gone", lost, old), ("new", gained, new)):
        for k in keys:
            print(f"{label}: {k}  {source[k]['message']}")
    return 0


def review_markdown(data: dict, verdicts: dict[str, str], seed: int) -> str:
    lines = [
        "# Real-world findings, reviewed one by one",
        "",
        "Every rule ran over every corpus (`--extend-select ALL`, no cache). Rules with at most "
        f"{SAMPLE} findings are reviewed in full; for the others a random sample of {SAMPLE} is "
        f"drawn with `random.Random(f'{{seed}}-{{code}}')`, seed **{seed}** "
        "(`bench/review_findings.py`). A finding is *true* when the problem it names really "
        "happens at run time (the call really blocks the event loop, the secret really reaches "
        "the client), whether or not the project would bother to fix it. Verdicts are kept in "
        "`bench/review_verdicts.json`.",
        "",
        "```",
        "/tmp/venv/bin/python bench/review_findings.py run --out /tmp/review.json",
        "/tmp/venv/bin/python bench/review_findings.py sample --in /tmp/review.json   # to judge",
        "/tmp/venv/bin/python bench/review_findings.py review --in /tmp/review.json \\",
        "    --verdicts bench/review_verdicts.json > docs/real-world-review.md",
        "```",
    ]
    for code, items in sampled(data, seed).items():
        total = sum(1 for f in data["findings"] if f["code"] == code)
        lines += ["", f"## {code} ({len(items)} reviewed of {total})", ""]
        lines += ["| finding | message | verdict |", "|---|---|---|"]
        for f in items:
            verdict = verdicts.get(key(f), "not reviewed").replace("|", "\\|")
            message = f["message"].replace("|", "\\|")
            lines.append(
                f"| `{f['corpus']}:{f['path']}:{f['row']}:{f['column']}` | {message} | {verdict} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    global SAMPLE, BY_POSITION
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["run", "import", "sample", "table", "review", "compare"]
    )
    parser.add_argument("--write", type=Path, default=None, help="table: markdown file to update")
    parser.add_argument("--corpora", type=Path, default=ROOT / ".corpora")
    parser.add_argument("--out", "--in", dest="data", type=Path, default=Path("/tmp/review.json"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--context", type=int, default=12)
    parser.add_argument("--verdicts", type=Path, default=None)
    parser.add_argument(
        "--corpus",
        action="append",
        default=None,
        help="run: NAME (under --corpora) or NAME=PATH; repeatable (default: the shared corpora)",
    )
    parser.add_argument("--select", default=None, help="run: rules to run (default: ALL)")
    parser.add_argument("--config", type=Path, default=None, help="run: a fastapi-lint.toml")
    parser.add_argument("--jobs", type=int, default=None, help="run: worker processes per corpus")
    parser.add_argument("--codes", default=None, help="sample/review/table: only these prefixes")
    parser.add_argument("--title", default=None, help="review: a section (##) with this title")
    parser.add_argument("--before", type=Path, default=None, help="compare: the earlier JSON")
    parser.add_argument("--sample", type=int, default=SAMPLE, help="findings reviewed per rule")
    parser.add_argument(
        "--by-position", action="store_true", help="draw from findings sorted by position"
    )
    parser.add_argument("--raw", action="append", default=[], help="import: NAME=F.json")
    parser.add_argument("--root", action="append", default=[], help="import: NAME=PATH")
    args = parser.parse_args()
    SAMPLE, BY_POSITION = args.sample, args.by_position
    if args.command == "run":
        corpora = corpus_dirs(args.corpora.resolve(), args.corpus)
        run(corpora, args.data, args.select, args.config, args.jobs)
        return 0
    if args.command == "import":
        import_raw(args.raw, args.root, args.data, args.select or "ALL")
        return 0
    data = json.loads(args.data.read_text())
    if args.command == "compare":
        if args.before is None:
            parser.error("compare needs --before")
        return compare(json.loads(args.before.read_text()), data)
    if args.codes:
        prefixes = tuple(args.codes.split(","))
        data["findings"] = [f for f in data["findings"] if f["code"].startswith(prefixes)]
    verdicts = json.loads(args.verdicts.read_text()) if args.verdicts else {}
    if args.command == "sample":
        sample(data, args.seed, args.corpora.resolve(), args.context)
    elif args.command == "review" and args.title:
        sys.stdout.write(review_section(data, verdicts, args.seed, args.title))
    elif args.command == "review":
        sys.stdout.write(review_markdown(data, verdicts, args.seed))
    else:
        text = table(data, verdicts, args.seed)
        print(text)
        if args.write:
            section = f"{BEGIN}\n{text}\n{END}"
            old = args.write.read_text()
            if BEGIN in old and END in old:
                new = old[: old.index(BEGIN)] + section + old[old.index(END) + len(END) :]
            else:
                new = old.rstrip("\n") + "\n\n" + section + "\n"
            args.write.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
