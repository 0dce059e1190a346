"""Meta tests over the rule registry: codes, names, docs, fixtures and generated files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from fastapi_lint.docs import REQUIRED_SECTIONS, render_rule, rule_table
from fastapi_lint.rules.registry import BY_CODE, BY_NAME, RULES, lookup

CODE = re.compile(r"FPI(\d)\d\d")
KEBAB = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
FAMILIES = {"0": "engine", "1": "blocking", "2": "sessions", "3": "secrets", "4": "tasks"}
# FPI002 reports a bug in fastapi-lint itself: no code pattern triggers it, so it has neither
# fixtures nor code examples.
NO_EXAMPLES = {"FPI002"}
# FPI001's example is a syntax error on purpose; FPI003's is Python 3.12 syntax on purpose.
NOT_COMPILABLE_EXAMPLE = {"FPI001", "FPI003"}
EXPECT = re.compile(r"#\s*error:\s*(?P<items>FPI\d{3}(?::\d+)?(?:\s*,\s*FPI\d{3}(?::\d+)?)*)")

ids = [rule.code for rule in RULES]


def test_codes_and_names_are_unique() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes), sorted(c for c in codes if codes.count(c) > 1)
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    assert len(BY_CODE) == len(BY_NAME) == len(RULES)
    assert set(codes).isdisjoint(names)


def test_registry_is_in_code_order() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == sorted(codes)
    assert codes[:2] == ["FPI001", "FPI002"]


@pytest.mark.parametrize("rule", RULES, ids=ids)
def test_code_name_and_module(rule) -> None:
    match = CODE.fullmatch(rule.code)
    assert match, f"{rule.code} is not FPI + three digits"
    assert match.group(1) in FAMILIES, f"{rule.code}: unknown family digit"
    assert KEBAB.fullmatch(rule.name), f"{rule.name} is not kebab-case"
    assert lookup(rule.code) is rule and lookup(rule.name) is rule and lookup(rule.code.lower())
    # The module names its code (a shared module of one family may hold several rules).
    module = rule.__module__.rsplit(".", 1)[-1]
    module_match = re.fullmatch(r"fpi(\d)(\d\d)_[a-z0-9_]+", module)
    assert module_match, f"{rule.code} lives in {module}, not in an fpiNNN_<name> module"
    assert module_match.group(1) == match.group(1), f"{rule.code} lives in {module}"
    assert rule.message and rule.summary
    assert rule.fix_availability in ("none", "sometimes", "always")
    assert isinstance(rule.triggers, tuple) and all(isinstance(t, str) and t for t in rule.triggers)


def sections(docs: str) -> list[tuple[str, str]]:
    """(heading, body) for each `## ` section of a rule's docs."""
    parts = re.split(r"^## (.+)$", docs.strip(), flags=re.M)
    assert parts[0].strip() == "", "docs must begin with a section heading"
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


@pytest.mark.parametrize("rule", RULES, ids=ids)
def test_docs_have_the_five_sections_in_order(rule) -> None:
    found = sections(rule.docs)
    headings = [h for h, _ in found]
    # The five required sections, in order; a rule may add others (e.g. "Configuration").
    required = [h for h in headings if h in REQUIRED_SECTIONS]
    assert tuple(required) == REQUIRED_SECTIONS, headings
    assert len(set(headings)) == len(headings), headings
    for heading, body in found:
        assert body.strip(), f"{rule.code}: section {heading!r} is empty"
    if rule.code in NO_EXAMPLES:
        return
    body = dict(found)
    for heading in ("Example", "Use instead"):
        blocks = re.findall(r"```python\n(.*?)```", body[heading], flags=re.S)
        assert blocks, f"{rule.code}: {heading} has no ```python block"
        if rule.code in NOT_COMPILABLE_EXAMPLE and heading == "Example":
            continue
        for block in blocks:
            compile(block, f"{rule.code} {heading}", "exec", dont_inherit=True)


def _fixture_files(code: str) -> list[Path]:
    folder = FIXTURES / code
    return sorted(p for p in folder.rglob("*.py") if not p.name.endswith(".fixed.py"))


def _marks(text: str, code: str) -> list[int]:
    rows = []
    for row, line in enumerate(text.splitlines(), 1):
        match = EXPECT.search(line)
        if match and any(
            item.split(":")[0] == code for item in re.split(r"\s*,\s*", match["items"])
        ):
            rows.append(row)
    return rows


def _ok_lines(text: str) -> list[str]:
    """Code lines after an `# OK` heading that expect nothing (line-level negatives)."""
    lines = text.splitlines()
    found = []
    in_ok = False
    for line in lines:
        stripped = line.strip()
        if re.fullmatch(r"#\s*OK\b.*", stripped):
            in_ok = True
            continue
        if re.fullmatch(r"#\s*Errors\b.*", stripped):
            in_ok = False
            continue
        if in_ok and stripped and not stripped.startswith("#") and not EXPECT.search(line):
            found.append(line)
    return found


@pytest.mark.parametrize("rule", [r for r in RULES if r.code != "FPI002"], ids=lambda r: r.code)
def test_every_rule_has_positive_and_negative_fixtures(rule) -> None:
    files = _fixture_files(rule.code)
    assert files, f"no fixtures in tests/fixtures/{rule.code}/"
    texts = {p: p.read_bytes().decode("utf-8", "replace") for p in files}
    positives = [p for p, t in texts.items() if _marks(t, rule.code)]
    assert positives, f"{rule.code}: no fixture line marks `# error: {rule.code}`"
    if rule.code == "FPI001":
        # Its problems are whole files: a negative is a file that must not be reported.
        negatives = [p for p, t in texts.items() if not _marks(t, rule.code)]
    else:
        negatives = [p for p, t in texts.items() if _ok_lines(t)]
    assert negatives, f"{rule.code}: no `# OK` section with unflagged code lines in its fixtures"


def test_fixture_folders_name_registered_codes() -> None:
    for folder in FIXTURES.iterdir():
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        code = folder.name.split("_")[0]
        family = re.fullmatch(r"FPI(\d)xx", code)
        assert code in BY_CODE or family, f"tests/fixtures/{folder.name} names no rule"


def test_generated_rule_docs_are_current() -> None:
    folder = ROOT / "docs" / "rules"
    stale = []
    for rule in RULES:
        path = folder / f"{rule.code}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != render_rule(rule):
            stale.append(rule.code)
    extra = sorted(p.stem for p in folder.glob("*.md") if p.stem not in BY_CODE)
    assert not stale and not extra, (
        f"out of date: {stale}, without a rule: {extra}; run `python -m fastapi_lint.docs`"
    )


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rule_table(RULES) in readme, (
        "README rule table is stale: run `python -m fastapi_lint.docs`"
    )


def test_rule_all_prints_every_rule_doc() -> None:
    from conftest import run_cli

    proc = run_cli("rule", "--all")
    assert proc.returncode == 0
    for rule in RULES:
        assert render_rule(rule) in proc.stdout
