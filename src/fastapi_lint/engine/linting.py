"""Linting and fixing the text of one file (runs inside worker processes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..index.summary import summarize_source
from ..lazycst import cst
from ..limits import TooDeep, check_nesting, depth_reason
from ..model import SYNTAX_NEWER_THAN_TARGET, FileResult, Finding, Location
from ..rule import PendingFinding, Rule
from ..rules.registry import RULES
from ..selection import per_file_ignored
from ..source import split_lines, text_digest
from ..suppression import Suppressions
from ..syntax import NewSyntax, best_syntax_error, newer_than, parse_version, syntax_of
from .parse import parse_module, syntax_error_finding
from .problems import PhaseError, deep_finding, phase, too_deep
from .state import WorkerState

if TYPE_CHECKING:
    from .fixes import PreparedTree
    from .traverse import RuleRun

# The parse, walk and fix machinery (`fixes`, `traverse`) imports LibCST: it is imported by the
# functions below that use it, after the index gates left a rule to run, so a file no rule can
# report anything in is linted without LibCST (a one-file pre-commit run, an editor buffer).

# Characters of module rendered for fix edits per file (JSON output, LSP code actions): about
# 50 fixes in a 20 KB file, 10 in a 100 KB one. Fixes beyond it are reported without edits.
FIX_EDIT_BUDGET = 1_000_000


def active_rules(state: WorkerState, path: Path) -> list[type[Rule]]:
    if path.suffix == ".pyi":
        # A stub describes an interface and never runs (gradio ships generated stubs with
        # bodies next to its modules): no rule of any family applies. It is still read, so a
        # stub Python cannot parse is FPI001, and the index takes types from a stub that has
        # no module of its own.
        return []
    if state.settings.is_vendored(path):
        # Another project's code copied in (`vendored-dirs`): indexed, so calls into it are
        # followed from the project's own code, but not reported on (see docs/design.md).
        return []
    ignored = per_file_ignored(state.settings, path, RULES)
    return [
        r for r in RULES if r.code in state.enabled and r.code not in ignored and _has_visitors(r)
    ]


def allowed(state: WorkerState, path: Path, findings: list[Finding]) -> list[Finding]:
    """Drops engine findings (FPI001/FPI002) that the selection or per-file-ignores turn off;
    rule findings were filtered before they were made."""
    if all(f.code in state.enabled for f in findings) and not state.settings.per_file_ignores:
        return findings
    ignored = per_file_ignored(state.settings, path, RULES)
    return [f for f in findings if f.code in state.enabled and f.code not in ignored]


def _has_visitors(rule: type[Rule]) -> bool:
    return bool(rule.hooks()) or any(
        name.startswith(("visit_", "leave_")) for cls in rule.__mro__[:-1] for name in vars(cls)
    )


def could_match(rules: list[type[Rule]], text: str) -> list[type[Rule]]:
    """Rules whose trigger text occurs in the file; the others cannot report anything."""
    return [r for r in rules if any(t in text for t in r.triggers)]


def imported_through_project(index, module_name: str) -> str:
    """What the file's imports from project modules really are ("time.sleep" for a
    `from .utils import pause` where utils re-exports `sleep as pause`), so that a trigger
    spelled only in another module still selects the rule."""
    summary = index.modules.get(module_name)
    if summary is None:
        return ""
    names = []
    for scope in summary["scopes"].values():
        for binding in scope["bindings"].values():
            if binding[0] != "import" or index.split_qualified(binding[1]) is None:
                continue
            ref = index.resolve_qualified(binding[1])
            if ref is not None:
                names.append(ref.qual)
    return "\n".join(names)


#: Whether `Rule.could_apply` decides which rules run on a file (and so whether it is parsed
#: with LibCST at all). Off only in tests that prove the gates exact: with them off, every rule
#: whose trigger text occurs in a file runs on it.
GATES = True

#: `lint_text` computes the file's summary itself when it is not given.
UNKNOWN: object = object()

NEWER_SYNTAX_CODE = SYNTAX_NEWER_THAN_TARGET
NEWER_SYNTAX_NAME = "syntax-newer-than-target-version"


def lint_text(
    state: WorkerState,
    path: Path,
    text: str,
    module_name: str,
    *,
    fix: bool,
    want_fixed_text: bool,
    summary: object = UNKNOWN,
) -> tuple[FileResult, dict[str, str]]:
    """Lints (and maybe fixes) one file's text. `summary` is the index summary of exactly this
    text when the caller has it (None: Python cannot parse the text).

    A text nested too deeply to analyse is one FPI001 (before LibCST sees it when its tokens
    show it, else when a phase reaches Python's recursion limit). A fix phase that fails is
    one FPI002 and the file is linted unfixed; other unexpected exceptions escape tagged with
    their phase (`PhaseError`) for the caller to report."""
    path_str = str(path)
    reason = check_nesting(text)
    if reason is not None:
        return FileResult(path_str, allowed(state, path, [too_deep(path_str, reason)])), {}
    try:
        return _lint_text(state, path, text, module_name, fix=fix, summary=summary)
    except TooDeep as exc:
        deep = exc
    except (RecursionError, PhaseError) as exc:
        original = exc.original if isinstance(exc, PhaseError) else exc
        reason = depth_reason(original, text)
        if reason is None:
            raise
        deep = TooDeep(reason)
    return FileResult(path_str, allowed(state, path, [deep_finding(path_str, deep)])), {}


def _lint_text(
    state: WorkerState, path: Path, text: str, module_name: str, *, fix: bool, summary: object
) -> tuple[FileResult, dict[str, str]]:
    path_str = str(path)
    index = state.index
    result = FileResult(path_str)
    if summary is UNKNOWN:
        summary = _summary_of(path, text, module_name)
    if summary is None:
        # Python rejects the file (LibCST may still parse it: `1 = x`, or 3.12 syntax with a
        # real error): the index has no facts from it and no rule runs, so say so.
        result.findings = allowed(state, path, [_parse_failure(path_str, text)])
        return result, {}
    # The trigger check reads other modules' re-exports: the cache must know it did.
    index.start_tracking()
    try:
        haystack = text + "\n" + imported_through_project(index, module_name)
        rules = [
            rule
            for rule in could_match(active_rules(state, path), haystack)
            if not GATES or rule.could_apply(index, module_name, state.settings)
        ]
    finally:
        trigger_deps = index.stop_tracking()
    newer = _newer_syntax(state, summary)
    if not rules:
        result.findings = allowed(state, path, _newer_syntax_findings(path_str, text, newer, state))
        return result, trigger_deps
    from .fixes import PreparedTree, text_edits
    from .traverse import to_findings

    current = text
    applied: Counter = Counter()
    rejected: set[tuple[str, str]] = set()
    fix_failure = None
    last: _Round | None = None
    if fix:
        try:
            with phase("fix"):
                current, applied, dropped, held, last = _fix_loop(
                    state, path, text, module_name, rules, rejected, newer
                )
        except PhaseError as exc:
            if isinstance(exc.original, RecursionError) and depth_reason(exc.original, text):
                raise
            # The file is linted as it is, unfixed, and the failure is reported.
            fix_failure = exc.failure
            current, applied, dropped, held, last = text, Counter(), [], [], None
            index.replace_module(module_name, summary, text_digest(text))
        result.fixes_applied = dict(applied)
        result.dropped_fixes = dropped
        result.held_back_fixes = held
        if current != text:
            result.fixed_source = current
            result.original_source = text
            if last is not None and last.text == current:
                summary = last.summary
            else:
                summary = _summary_of(path, current, module_name)
            index.replace_module(module_name, summary, text_digest(current))
            newer = _newer_syntax(state, summary) if summary is not None else []
    if last is not None and last.text == current:
        # The fix loop's last round parsed and walked exactly this text against this index
        # (it stopped because nothing more could be fixed): its findings are the file's.
        module, run, deps = last.module, last.run, dict(last.deps)
    else:
        module = _parse_or_none(current)
        if module is None:
            result.findings = allowed(state, path, [_parse_failure(path_str, current)])
            return result, {}
        run, deps = _run_tracked(state, index, path_str, module_name, current, module, rules)
    index.start_tracking()
    try:
        prepared: list[PreparedTree] = []  # made once if any edit is asked for
        # Each fix's edits cost a transform and a rendering of the whole module: bounded per
        # file, or a generated file with hundreds of fixable findings takes an hour.
        budget = [FIX_EDIT_BUDGET]

        def edits_of(item: PendingFinding) -> tuple:
            if not prepared:
                prepared.append(PreparedTree(module))
            # The top-level statement the walk found the node in: a fix inside it is applied
            # to it alone.
            statement = run.statement_of.get(id(item.node)) if run.statement_of else None
            fixed = _try_apply(module, [item.fix], current, prepared[0], statement=statement)
            if fixed is None or _fix_verdict(fixed, path_str, state, newer) is not None:
                return ()
            return tuple(text_edits(current, fixed))

        def edits_for(item: PendingFinding):
            if lazy is not None:
                lazy.append(item)
                return ()
            if not state.options.fix_edits or budget[0] < len(current):
                return ()
            budget[0] -= len(current)
            return edits_of(item)

        lazy: list[PendingFinding] | None = [] if state.options.lazy_edits else None
        lines = split_lines(current)
        result.findings = to_findings(
            run,
            lines=lines,
            enabled=state.enabled,
            unsafe_fixes=state.unsafe,
            edits_for=edits_for,
        )
        if lazy:
            # to_findings asked in the order it made the fixable findings: pair them up.
            fixable = [f for f in result.findings if f.fix is not None]
            by_finding = {_edit_key(f): item for f, item in zip(fixable, lazy, strict=True)}

            def edit_maker(finding: Finding) -> tuple:
                item = by_finding.get(_edit_key(finding))
                return edits_of(item) if item is not None else ()

            result.edit_maker = edit_maker
        result.findings += _newer_syntax_findings(path_str, current, newer, state, lines)
    finally:
        deps.update(index.stop_tracking())
    deps.update(trigger_deps)
    if fix_failure is not None:
        result.findings.append(fix_failure.finding(path_str))
    result.findings = allowed(state, path, result.findings)
    return result, deps


def _edit_key(finding: Finding) -> tuple:
    return (finding.code, finding.location, finding.end_location, finding.message)


def _summary_of(path: Path, text: str, module_name: str):
    """The text's summary (None: Python cannot parse it); TooDeep escapes untagged."""
    with phase("summary"):
        return summarize_source(text, module_name, _is_package(path), str(path))


def _newer_syntax(state: WorkerState, summary: dict) -> list[NewSyntax]:
    """The uses of syntax newer than `target-version` that the summary recorded."""
    target = parse_version(state.settings.target_version)
    return newer_than([NewSyntax.from_list(item) for item in summary.get("syntax", ())], target)


def _newer_syntax_findings(
    path: str,
    text: str,
    newer: list[NewSyntax],
    state: WorkerState,
    lines: list[str] | None = None,
) -> list[Finding]:
    """FPI003 for each use of syntax newer than `target-version` (what ruff reports as a
    syntax error); `# noqa: FPI003` on the line silences one."""
    if not newer or NEWER_SYNTAX_CODE not in state.enabled:
        return []
    noqa = Suppressions(lines if lines is not None else split_lines(text))
    target = state.settings.target_version
    findings = []
    for item in newer:
        if noqa.suppressed(NEWER_SYNTAX_CODE, item.row):
            continue
        version = f"{item.version[0]}.{item.version[1]}"
        findings.append(
            Finding(
                code=NEWER_SYNTAX_CODE,
                name=NEWER_SYNTAX_NAME,
                message=f"{item.what} needs Python {version}, newer than target-version `{target}`",
                path=path,
                location=Location(item.row, item.column),
                end_location=Location(item.row, item.column),
                noqa_row=item.row,
            )
        )
    return findings


def _fix_verdict(
    new_text: str, path: str, state: WorkerState, baseline: list[NewSyntax]
) -> str | None:
    """None when a fixed text may be written, else why not: it does not compile (judged in its
    lowered form when it holds syntax newer than the running Python), or it uses more syntax
    newer than `target-version` than the file already did."""
    from .fixes import compiles

    if not compiles(new_text, path):
        return "compile"
    target = parse_version(state.settings.target_version)
    features = syntax_of(new_text)
    if features is None:
        return "compile"
    before = Counter((f.version, f.what) for f in baseline)
    added = Counter((f.version, f.what) for f in newer_than(features, target)) - before
    if added:
        (version, what), _count = next(iter(added.items()))
        return (
            f"it would write {what}, Python {version[0]}.{version[1]} syntax, newer than "
            f"target-version `{state.settings.target_version}`"
        )
    return None


def _is_package(path: Path) -> bool:
    return path.stem == "__init__"


def run_rules(**kwargs) -> RuleRun:
    """`traverse.run_rules` (imported on first use: it imports LibCST)."""
    from .traverse import run_rules as run

    return run(**kwargs)


def apply_fixes(*args, **kwargs) -> str:
    """`fixes.apply_fixes` (imported on first use: it imports LibCST)."""
    from .fixes import apply_fixes as apply

    return apply(*args, **kwargs)


def non_overlapping(module: cst.Module, fixes: list) -> list:
    """`fixes.non_overlapping` (imported on first use)."""
    from .fixes import non_overlapping as choose

    return choose(module, fixes)


def _run_tracked(
    state: WorkerState,
    index,
    path_str: str,
    module_name: str,
    source: str,
    module: cst.Module,
    rules: list[type[Rule]],
) -> tuple[RuleRun, dict]:
    """The rule pass over one parsed text, with the index reads it made (what its findings
    depend on, for the cache)."""
    index.start_tracking()
    try:
        run = run_rules(
            path=path_str,
            module_name=module_name,
            source=source,
            module=module,
            settings=state.settings,
            index=index,
            rule_classes=rules,
        )
    finally:
        deps = index.stop_tracking()
    return run, deps


def _parse_or_none(text: str) -> cst.Module | None:
    """LibCST's tree, or None when the text does not parse. TooDeep and a RecursionError
    escape: the caller reports the depth."""
    try:
        return parse_module(text)
    except (cst.ParserSyntaxError, ValueError):
        return None


def _parse_failure(path: str, text: str) -> Finding:
    """Python's own message and position where it rejects the file (clearer than LibCST's),
    found in the lowered text when the file also holds syntax newer than this Python."""
    try:
        error = best_syntax_error(text, path)
    except ValueError as exc:
        return syntax_error_finding(path, exc)
    except (RecursionError, MemoryError):
        error = None
    if error is not None:
        return syntax_error_finding(path, error)
    try:
        parse_module(text)
    except Exception as exc:
        return syntax_error_finding(path, exc)
    # Both parse, yet no summary could be made: the file is too deep for the summariser.
    return too_deep(path, "the summariser could not follow it")


@dataclass
class _Round:
    """What one round of the fix loop parsed, summarised and found, for the text it read."""

    text: str
    module: cst.Module
    summary: object
    run: RuleRun
    deps: dict[str, str]


def _fix_loop(
    state: WorkerState,
    path: Path,
    text: str,
    module_name: str,
    rules: list[type[Rule]],
    rejected: set[tuple[str, str]],
    baseline: list[NewSyntax],
) -> tuple[str, Counter, list[str], list[str], _Round | None]:
    """Applies applicable fixes round by round until nothing changes (bounded). Returns the
    text, the fixes applied, the fixes dropped because their result did not compile, the
    fixes held back because they would write syntax newer than `target-version`, and the last
    round (its text may be older than the returned one when the rounds ran out)."""
    from .fixes import MAX_FIX_ROUNDS, PreparedTree, fix_signature
    from .traverse import positions

    path_str = str(path)
    current = text
    applied: Counter = Counter()
    dropped: list[str] = []
    held: list[str] = []
    index = state.index
    last: _Round | None = None
    # The tree the last fixes made, when it stands for a parse of their text (`apply_fixes`).
    made: list[cst.Module] = []
    for _round in range(MAX_FIX_ROUNDS):
        if last is not None and last.text == current:
            module = last.module  # a round that only rejected fixes: the text is the same
        elif made:
            module = made[0]  # the fixed tree itself: its code is `current`
        else:
            module = _parse_or_none(current)
        made = []
        if module is None:
            break
        summary: object = UNKNOWN
        if current is not text:
            summary = last.summary if last is not None and last.text == current else None
            if summary is None:
                summary = _summary_of(path, current, module_name)
            index.replace_module(module_name, summary, text_digest(current))
        run, deps = _run_tracked(state, index, path_str, module_name, current, module, rules)
        last = _Round(current, module, summary, run, deps)
        candidates = [
            p
            for p in run.pending
            if p.fix is not None
            and p.rule.code in state.enabled
            and (state.unsafe or p.fix.applicability == "safe")
        ]
        if not candidates:
            break
        noqa = Suppressions(split_lines(current))
        spans = positions(module, [p.node for p in candidates], run.statement_of, current)
        usable = []
        for item in candidates:
            span = spans.get(item.node)
            if span is None:
                continue
            if noqa.suppressed(item.rule.code, span[0]):
                continue
            if fix_signature(item, module) in rejected:
                continue
            usable.append(item)
        if not usable:
            break
        chosen = _choose(module, usable)
        tree = PreparedTree(module)
        new_text = _try_apply(module, [p.fix for p in chosen], current, tree, made)
        if new_text is None or _fix_verdict(new_text, path_str, state, baseline) is not None:
            made.clear()
            # Find the culprits one by one; keep the fixes that pass on their own.
            good = []
            for item in chosen:
                alone = _try_apply(module, [item.fix], current, tree)
                verdict = (
                    "compile" if alone is None else _fix_verdict(alone, path_str, state, baseline)
                )
                if verdict is None:
                    good.append(item)
                    continue
                rejected.add(fix_signature(item, module))
                if verdict == "compile":
                    dropped.append(f"{item.rule.code}: {item.fix.message}")
                else:
                    held.append(f"{item.rule.code}: {item.fix.message}: {verdict}")
            chosen = good[:1]
            if not chosen:
                continue
            new_text = _try_apply(module, [chosen[0].fix], current, tree, made)
            if new_text is None:
                break
        if new_text == current:
            break
        applied.update(p.rule.code for p in chosen)
        current = new_text
    return current, applied, dropped, held, last


def _try_apply(
    module: cst.Module,
    fixes: list,
    source: str,
    prepared: PreparedTree,
    trees: list[cst.Module] | None = None,
    statement: int | None = None,
) -> str | None:
    """apply_fixes, or None when a rule's replacement breaks LibCST (a wrong node type, an
    invalid tree): such a fix is dropped like one whose result does not compile. A
    RecursionError in a deeply nested `source` escapes: it is the file's depth (FPI001).
    `trees` receives the fixed tree when it can stand for a parse of the result."""
    try:
        return apply_fixes(module, fixes, source, None, prepared, trees, statement)
    except Exception as exc:
        if isinstance(exc, RecursionError) and depth_reason(exc, source):
            raise
        return None


def _choose(module: cst.Module, items: list[PendingFinding]) -> list[PendingFinding]:
    by_fix = {id(p.fix): p for p in items}
    kept = non_overlapping(module, [p.fix for p in items])
    return [by_fix[id(f)] for f in kept]


__all__ = ["active_rules", "lint_text", "syntax_error_finding"]
