"""Applying a fix enters only the replaced nodes, their ancestors and the module's import block
(`engine.fixes`): LibCST's full transform and its AddImportsVisitor walk the whole tree for
every fix, which made JSON edits and LSP code actions cost seconds on a 1,000-line router.

The pruned application must give exactly what the full one gives. Every fix the rules make on
the fixture suite (each on its own, as for edits, and the chosen sets of a `--fix` run) is
applied both ways here and the texts compared."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from fastapi_lint.config import load_settings, with_cli_overrides
from fastapi_lint.engine import LintOptions, fixes, keep_untouched, lint_paths, linting

FIXTURES = Path(__file__).parent / "fixtures"


class _FullReplacer(cst.CSTTransformer):
    def __init__(self, replacements) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(original_node, updated_node)


def _reference(module, fix_list, source, rendered) -> str:
    """apply_fixes as LibCST's full transforms do it (what the engine did before pruning)."""
    if module.default_indent.strip(" \t"):
        module = module.with_changes(default_indent=module.default_indent.replace("\x0c", ""))
        rendered = None
    replacements, imports = {}, []
    for fix in fix_list:
        replacements.update(fix.replacements)
        imports.extend(fix.imports)
    new = module.visit(_FullReplacer(replacements)) if replacements else module
    if imports:
        context = CodemodContext()
        for request in imports:
            AddImportsVisitor.add_needed_import(
                context, request.module, request.obj, request.asname
            )
        new = AddImportsVisitor(context).transform_module_impl(new)
    return keep_untouched(source, module.code if rendered is None else rendered, new.code)


def test_pruned_fix_application_equals_the_full_transform(tmp_path: Path, monkeypatch) -> None:
    compared: list[str] = []
    real = fixes.apply_fixes

    def both(
        module, fix_list, source=None, rendered=None, prepared=None, trees=None, statement=None
    ):
        # `statement`: the fix's top-level statement, given for a finding's edits (the
        # one-statement way must give what the full transform gives).
        pruned = real(module, fix_list, source, rendered, prepared, trees, statement)
        if trees:
            # The fixed tree the next round walks renders as the fixed text.
            assert trees[-1].code == pruned
        assert pruned == _reference(module, fix_list, source, rendered)
        compared.append(pruned)
        return pruned

    monkeypatch.setattr(linting, "apply_fixes", both)
    quick: list[str] = []
    in_statement = fixes._apply_in_statement

    def counted(*args):
        found = in_statement(*args)
        if found is not None:
            quick.append(found)
        return found

    monkeypatch.setattr(fixes, "_apply_in_statement", counted)
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    settings = with_cli_overrides(load_settings(root), extend_select=["ALL"])
    for fix_edits, fix in ((True, False), (False, True)):
        lint_paths(
            [root],
            settings,
            LintOptions(
                fix=fix,
                unsafe_fixes=True,
                use_cache=False,
                jobs=1,
                fix_edits=fix_edits,
            ),
        )
    # Every fixable rule's fixtures went through both ways (dozens of fixes, with imports).
    assert len(compared) > 100
    assert any("import asyncio" in text for text in compared)
    # Some finding's edits were made from its statement alone (and equal the full transform).
    assert quick and set(quick) <= set(compared)


def test_import_block_only(tmp_path: Path) -> None:
    """An import that exists only inside a function is not the module's: the adder still adds
    it at the top, as LibCST's does; and a `from` import of the top block is extended."""
    source = (
        '"""Doc."""\nfrom asyncio import gather\nimport os\n\n\ndef f():\n    import asyncio\n'
        "    return asyncio\n\n\nasync def g():\n    time.sleep(1)\n"
    )
    module = cst.parse_module(source)
    call = module.body[-1].body.body[0].body[0].value
    from fastapi_lint.rule import Fix, ImportRequest

    new_call = cst.Await(call.with_changes(func=cst.parse_expression("asyncio.sleep")))
    for imports in (
        [ImportRequest("asyncio")],
        [ImportRequest("asyncio", "sleep")],
        [ImportRequest("os")],
        [ImportRequest("asyncio", "sleep", "nap")],
    ):
        fix = Fix("m", "safe", {call: new_call}, imports)
        got = fixes.apply_fixes(module, [fix], source, module.code)
        assert got == _reference(module, [fix], source, module.code)
        assert "await asyncio.sleep(1)" in got


# -- parses and walks of a --fix run --------------------------------------------------------

SLEEPY = (
    "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\n"
    "async def index():\n    time.sleep(1)\n    return {}\n"
)
# Nothing to fix, but a finding (no fix is offered for FPI102), so the file is parsed.
CLEAN_ASYNC = (
    "import requests\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\n"
    "async def index():\n    return requests.get('https://example.com').json()\n"
)


def _counted_fix_run(root: Path, monkeypatch, **options) -> tuple[dict, dict, object]:
    parsed: dict[str, int] = {}
    walked: dict[str, int] = {}
    real_parse, real_run = linting.parse_module, linting.run_rules

    def parse(text: str):
        parsed[text] = parsed.get(text, 0) + 1
        return real_parse(text)

    def run_rules(**kwargs):
        walked[kwargs["source"]] = walked.get(kwargs["source"], 0) + 1
        return real_run(**kwargs)

    monkeypatch.setattr(linting, "parse_module", parse)
    monkeypatch.setattr(linting, "run_rules", run_rules)
    run = lint_paths(
        [root],
        load_settings(root),
        LintOptions(fix=True, unsafe_fixes=True, use_cache=False, jobs=1, **options),
    )
    return parsed, walked, run


def test_fix_parses_and_walks_each_text_once(tmp_path: Path, monkeypatch) -> None:
    """`--fix` parses each text it reads once and walks each text it lints once: a file with
    nothing to fix once in all (its fix round's tree and findings are the findings), a fixed
    file is parsed once and walked once before and once after the fix, in the tree the fix
    made (that round finds nothing more to fix and gives the findings)."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (root / "clean.py").write_text(CLEAN_ASYNC)
    (root / "sleepy.py").write_text(SLEEPY)
    parsed, walked, run = _counted_fix_run(root, monkeypatch)
    fixed = (root / "sleepy.py").read_text()
    assert "await asyncio.sleep(1)" in fixed and fixed != SLEEPY
    # The fixed text is walked in the tree the fix made, not parsed again.
    assert parsed == {CLEAN_ASYNC: 1, SLEEPY: 1}
    assert walked == {CLEAN_ASYNC: 1, SLEEPY: 1, fixed: 1}
    # Nothing is left to report after the fix, and the run says what it fixed.
    assert [f.code for f in run.findings if f.path.endswith("sleepy.py")] == []
    assert [f.code for f in run.findings if f.path.endswith("clean.py")] == ["FPI102"]


def test_fix_findings_equal_a_plain_check_of_the_fixed_text(tmp_path: Path) -> None:
    """The findings a `--fix` run reports for a file are those of a plain check of the text
    it wrote (the reused last round is the same lint)."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    for source in sorted((FIXTURES / "FPI101").glob("*.py")):
        if not source.name.endswith(".fixed.py"):
            shutil.copy(source, root / source.name)
    settings = with_cli_overrides(load_settings(root), extend_select=["ALL"])
    fix_run = lint_paths(
        [root], settings, LintOptions(fix=True, unsafe_fixes=True, use_cache=False, jobs=1)
    )
    check_run = lint_paths([root], settings, LintOptions(use_cache=False, jobs=1))

    def key(run):
        return sorted(
            (Path(f.path).name, f.code, f.location.row, f.location.column, f.message)
            for f in run.findings
        )

    assert key(fix_run) == key(check_run)
    assert key(check_run)  # unsafe-only and unfixable findings remain


def test_fix_findings_on_every_fixture_equal_a_plain_check_of_the_fixed_tree(
    tmp_path: Path,
) -> None:
    """The same over every fixture of every rule: the last round of a fix walks the tree the
    fixes made instead of a parse of its text, and must find what a parse would."""
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    settings = with_cli_overrides(load_settings(root), extend_select=["ALL"])
    fix_run = lint_paths(
        [root], settings, LintOptions(fix=True, unsafe_fixes=True, use_cache=False, jobs=1)
    )
    assert sum(fix_run.fixes_applied.values()) > 50
    check_run = lint_paths([root], settings, LintOptions(use_cache=False, jobs=1))

    def key(run):
        return sorted(
            (f.path, f.code, f.location.row, f.location.column, f.message, f.fix is None)
            for f in run.findings
        )

    assert key(fix_run) == key(check_run)


def test_import_adding_fixes_scan_each_visitor_class_once(tmp_path: Path) -> None:
    """Every visitor class a fix that adds an import makes (the adder, and the gatherer LibCST
    makes inside it) has its matcher scan skipped after the first one found nothing: no
    class is scanned for `@m.visit` decorators once per fix."""
    from libcst.matchers import _visitors

    from fastapi_lint.rule import Fix, ImportRequest

    made: list[type] = []
    real_init = _visitors.MatcherDecoratableVisitor.__init__

    def recording_init(self) -> None:
        made.append(type(self))
        real_init(self)

    source = "import os\n\n\nasync def g():\n    time.sleep(1)\n"
    module = cst.parse_module(source)
    call = module.body[-1].body.body[0].body[0].value
    fix = Fix("m", "safe", {call: cst.Await(call)}, [ImportRequest("asyncio")])
    _visitors.MatcherDecoratableVisitor.__init__ = recording_init
    try:
        for _ in range(2):
            assert "import asyncio" in fixes.apply_fixes(module, [fix], source, module.code)
    finally:
        _visitors.MatcherDecoratableVisitor.__init__ = real_init
    assert made, "the adder makes a gatherer"
    for name in ("_gather_constructed_visit_funcs", "_gather_constructed_leave_funcs"):
        assert set(made) <= fixes.SCANNED_EMPTY[name], name
