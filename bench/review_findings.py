#!/usr/bin/env python3
"""Collect every rule's findings over the real-world corpora and draw the review sample.

    /tmp/venv/bin/python bench/review_findings.py run      [--corpora .corpora] [--out F.json]
    /tmp/venv/bin/python bench/review_findings.py sample   [--in F.json] [--seed 20261127]
    /tmp/venv/bin/python bench/review_findings.py table    [--in F.json] [--verdicts V.json]

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


def run(corpora: Path, out: Path) -> None:
    results: dict = {"files": {}, "findings": []}
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-review-") as tmp:
        for name in CORPORA:
            work = Path(tmp) / name
            shutil.copytree(corpora / name, work, symlinks=True)
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "fastapi_lint",
                    "check",
                    "--no-cache",
                    "--extend-select",
                    "ALL",
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


def sampled(data: dict, seed: int) -> dict[str, list[dict]]:
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for f in data["findings"]:
        if f["code"] not in ("FPI001", "FPI002"):
            by_rule[f["code"]].append(f)
    out = {}
    for code in sorted(by_rule):
        items = sorted(by_rule[code], key=key)
        if len(items) > SAMPLE:
            items = sorted(random.Random(f"{seed}-{code}").sample(items, SAMPLE), key=key)
        out[code] = items
    return out


def sample(data: dict, seed: int, corpora: Path, context: int) -> None:
    for code, items in sampled(data, seed).items():
        print(f"\n######## {code}: {len(items)} reviewed")
        for f in items:
            print(f"\n=== {key(f)}  {f['message']}")
            path = corpora / f["corpus"] / f["path"]
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "sample", "table", "review"])
    parser.add_argument("--write", type=Path, default=None, help="table: markdown file to update")
    parser.add_argument("--corpora", type=Path, default=ROOT / ".corpora")
    parser.add_argument("--out", "--in", dest="data", type=Path, default=Path("/tmp/review.json"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--context", type=int, default=12)
    parser.add_argument("--verdicts", type=Path, default=None)
    args = parser.parse_args()
    if args.command == "run":
        run(args.corpora.resolve(), args.data)
        return 0
    data = json.loads(args.data.read_text())
    verdicts = json.loads(args.verdicts.read_text()) if args.verdicts else {}
    if args.command == "sample":
        sample(data, args.seed, args.corpora.resolve(), args.context)
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
