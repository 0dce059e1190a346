"""The engine's entry points: lint_paths, lint_source and fix_source.

One run: discover files -> summarise every project file (cached by stat and content) -> join the
project index -> lint each file that is not a valid cache hit (in a process pool when there is
enough work) -> fix/diff/add-noqa -> merge results in (path, row, column, code) order.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..index.project import CompactModules, ProjectIndex
from ..index.summary import (
    SUMMARY_VERSION,
    module_name_for,
    package_prefixes,
    summarize_source,
)
from ..limits import TooDeep, check_nesting
from ..model import ENGINE_CODES, INTERNAL_ERROR, FileResult, Finding, engine_finding
from ..source import (
    SourceError,
    SourceText,
    content_digest,
    decode_source,
    split_lines,
    text_digest,
    write_source,
)
from ..suppression import noqa_codes
from .cache import Cache, cache_root, code_fingerprint
from .discovery import discover, python_files_under
from .parse import syntax_error_finding
from .problems import (
    Failure,
    PhaseError,
    deep_finding,
    internal_error,
    phase,
    too_deep_message,
    too_large,
    too_large_message,
    unanalysed,
)
from .state import LintOptions, WorkerState

# Below this many files a pool costs more than it saves.
POOL_THRESHOLD = 24


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    files_checked: int = 0

    @property
    def findings(self) -> list[Finding]:
        items = [f for r in self.results for f in r.findings]
        return sorted(items, key=lambda f: f.sort_key)

    @property
    def fixes_applied(self) -> Counter:
        total: Counter = Counter()
        for result in self.results:
            total.update(result.fixes_applied)
        return total


# -- the project index ----------------------------------------------------------------------


def import_roots(settings: Settings) -> list[Path]:
    root = settings.project_root.resolve()
    roots = [(root / s).resolve() for s in settings.src]
    return [r for r in roots if r.is_dir()] or [root]


@dataclass
class FileEntry:
    path: Path
    digest: str | None
    module: str
    is_package: bool
    summary: dict[str, Any] | bytes | None  # bytes: marshalled (see CompactModules)
    # Why the file cannot be analysed at all ([FPI001 message, row, column]: too large, too
    # deep); the engine reports it without reading the file again.
    problem: list[Any] | None = None
    # An unexpected exception while summarising or joining the file (an FPI002, not cached).
    failure: Failure | None = None


SummaryJob = tuple[str, str | None, Any, list[Any] | None, Failure | None]


def _summarise_job(args: tuple[str, str, bool]) -> SummaryJob:
    """(path, digest, marshalled summary, problem, failure) of one project file. Whatever goes
    wrong stays with this file: the index then lacks its facts."""
    with collection_paused():
        return _summarise(args)


def _summarise(args: tuple[str, str, bool]) -> SummaryJob:
    path, module, is_package = args
    digest = None
    stage = "read"
    try:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return path, None, None, None, None
        digest = content_digest(data)
        stage = "decode"
        try:
            text = decode_source(data).text
        except SourceError:
            return path, digest, None, None, None
        stage = "summary"
        try:
            summary = summarize_source(text, module, is_package, path)
        except TooDeep as exc:
            return path, digest, None, [too_deep_message(exc.reason), exc.row, exc.column], None
        # Marshalled: cheaper to send back from a worker, and the index keeps it this way.
        blob = None if summary is None else marshal.dumps(summary)
    except Exception as exc:
        return path, digest, None, None, Failure.of(stage, exc)
    return path, digest, blob, None, None


@dataclass
class Scan:
    """Every project file with its module and, where its stat record is current, its digest."""

    entries: dict[Path, FileEntry]
    # Files whose summary must be (re)computed, with the stat taken before reading them.
    todo: list[tuple[str, str, bool, int, int]]

    def state(self) -> str:
        """Fingerprint of the whole project's content (valid only when nothing is to do)."""
        # surrogateescape: a file name that is not UTF-8 keeps its own bytes.
        blob = "\n".join(
            f"{path}\0{entry.digest}" for path, entry in sorted(self.entries.items())
        ).encode("utf-8", "surrogateescape")
        return content_digest(f"{SUMMARY_VERSION}\n".encode() + blob)


def scan_files(files: list[Path], settings: Settings, cache: Cache) -> Scan:
    """Stats every file against the cache's stat table; reads no file and no summary."""
    roots = import_roots(settings)
    entries: dict[Path, FileEntry] = {}
    todo: list[tuple[str, str, bool, int, int]] = []
    limit = settings.max_file_size
    for path in files:
        key = str(path)
        try:
            module, is_package = module_name_for(path, roots)
            st = path.stat()
        except OSError:
            entries[path] = FileEntry(path, None, module, is_package, None)
            continue
        except Exception as exc:  # the file is left out of the index, and reported
            failure = Failure.of("read", exc)
            entries[path] = FileEntry(path, None, path.stem, False, None, failure=failure)
            continue
        if limit and st.st_size > limit:
            # Not read at all; its stat stands in for its content in cache keys.
            digest = f"size:{st.st_size}:{st.st_mtime_ns}"
            problem = [too_large_message(st.st_size, limit), 1, 1]
            entries[path] = FileEntry(path, digest, module, is_package, None, problem)
            continue
        record = cache.get_file(key)
        if (
            isinstance(record, dict)
            and record.get("m") == st.st_mtime_ns
            and record.get("s") == st.st_size
            and record.get("mod") == module
            # A summary written by an older summariser lacks facts rules now read.
            and record.get("v") == SUMMARY_VERSION
        ):
            problem = record.get("p")
            if not (isinstance(problem, list) and len(problem) == 3):
                problem = None
            entry = FileEntry(path, record["d"], module, is_package, None, problem)
            entries[path] = entry
            continue
        todo.append((key, module, is_package, st.st_mtime_ns, st.st_size))
    return Scan(entries, todo)


def build_index(
    files: list[Path],
    settings: Settings,
    cache: Cache,
    jobs: int,
    scan: Scan | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[ProjectIndex, dict[Path, FileEntry]]:
    return _drained(_build_index(files, settings, cache, jobs, scan, progress, None))


def _drained(steps: Generator[None, None, Any]) -> Any:
    """What a generator of steps returns, run to its end."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def _build_index(
    files: list[Path],
    settings: Settings,
    cache: Cache,
    jobs: int,
    scan: Scan | None,
    progress: Callable[[str, int, int], None] | None,
    step: int | None,
) -> Generator[None, None, tuple[ProjectIndex, dict[Path, FileEntry]]]:
    """`build_index` as a generator: with `step`, it yields after summarising each `step`
    files (one process), so a caller can do other work between the steps (`index_steps`)."""
    scan = scan or scan_files(files, settings, cache)
    entries = scan.entries
    todo = list(scan.todo)
    # Current stat records whose summary is missing (a cache written half-way) are redone.
    for path, entry in list(entries.items()):
        if entry.digest is None or entry.problem is not None:
            continue
        if not cache.has_summary(str(path)):
            record = cache.get_file(str(path))
            todo.append((str(path), entry.module, entry.is_package, record["m"], record["s"]))
            continue
        entry.summary = cache.get_summary(str(path))
    if todo:
        jobs_in = [(key, module, is_package) for key, module, is_package, _m, _s in todo]
        if jobs > 1 and len(todo) >= POOL_THRESHOLD * 2:
            with _pool(jobs) as pool:
                outputs = pool.map(
                    _summarise_job, jobs_in, chunksize=max(8, len(todo) // (jobs * 8))
                )
                done = _counted(outputs, len(todo), "indexed", progress)
        elif step is not None:
            done = []
            for start in range(0, len(jobs_in), step):
                done.extend(map(_summarise_job, jobs_in[start : start + step]))
                yield
        else:
            done = _counted(map(_summarise_job, jobs_in), len(todo), "indexed", progress)
        for (key, module, is_package, mtime, size), job in zip(todo, done, strict=True):
            _, digest, summary, problem, failure = job
            path = Path(key)
            entries[path] = FileEntry(path, digest, module, is_package, summary, problem, failure)
            if digest is not None and failure is None:
                # The stat was taken before the read: a file edited meanwhile is redone next
                # time instead of being trusted with the old content's summary.
                record = {"m": mtime, "s": size, "d": digest, "mod": module}
                if problem is not None:
                    record["p"] = problem
                cache.put_summary(key, {**record, "v": SUMMARY_VERSION}, summary)
    modules = CompactModules()
    digests: dict[str, str] = {}
    paths: dict[str, str] = {}
    for path in sorted(entries):
        entry = entries[path]
        if entry.summary is None or entry.module in modules:
            continue
        try:
            with phase("index"):
                modules[entry.module] = entry.summary
        except PhaseError as exc:
            modules.pop(entry.module, None)
            entry.summary = None
            entry.failure = exc.failure
            continue
        digests[entry.module] = module_digest(entry.digest or "", path)
        paths[entry.module] = str(path)
    prefixes = package_prefixes(import_roots(settings))
    index = ProjectIndex(modules, digests, paths, facts=_family_facts(), package_prefixes=prefixes)
    index.load_parts(cache.get_parts(parts_fingerprint(settings)))
    return index, entries


def parts_fingerprint(settings: Settings) -> str:
    """What the stored parts of the project facts depend on besides the summaries: the
    configuration (import roots) and the code that computes them."""
    return f"{settings.fingerprint()}-{code_fingerprint()}"


def save_parts(index: ProjectIndex, settings: Settings, cache: Cache) -> None:
    """Stores the parts of the project facts when this run computed any."""
    if index.parts_computed:
        cache.put_parts(parts_fingerprint(settings), index.export_parts())


def module_digest(content: str, path: Path | str) -> str:
    """The index's digest of a module: its content digest and its file's path (a reader of the
    module depends on both: chains name the file). The same text at the same path gives the
    same digest whether it came from disk or from an editor, so re-linting an unchanged buffer
    invalidates nothing."""
    return content_digest(f"{content}\0{path}".encode("utf-8", "surrogatepass"))


# -- linting one file -----------------------------------------------------------------------


_STATE: WorkerState | None = None


def _pool(jobs: int) -> ProcessPoolExecutor:
    # fork: workers inherit the index instead of unpickling it once per worker.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method) if method else None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _process_job(args: tuple[str, str]) -> tuple[FileResult, dict[str, str], str | None]:
    path_str, module_name = args
    assert _STATE is not None
    return process_file(_STATE, Path(path_str), module_name)


@contextlib.contextmanager
def collection_paused():
    """No cyclic garbage collection while one file is linted. Parsing and walking a file makes
    a hundred thousand short-lived objects, so the collector ran dozens of times per file,
    each young collection scanning them and every few an old one scanning the whole index (a
    quarter of an editor's re-lint of a 1,000-line router). What a lint makes is freed by
    reference counting as it always was; the few cycles wait for the next collection after
    it. A caller that paused collection itself keeps it paused."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Stage:
    """The phase one file is in, for the report of an exception nothing tagged."""

    name = "read"


def process_file(
    state: WorkerState, path: Path, module_name: str
) -> tuple[FileResult, dict[str, str], str | None]:
    """Reads, lints and maybe fixes one file. Returns (result, deps, digest of what was read).

    Whatever goes wrong inside (a rule's broken fix, a LibCST failure, a failed write) becomes
    one FPI002 finding for this file, naming the phase, and the run goes on; nothing about it
    is cached."""
    stage = _Stage()
    try:
        with collection_paused():
            return _process_file(state, path, module_name, stage)
    except PhaseError as exc:
        failure = exc.failure
    except Exception as exc:  # the last line of defence: never lose the other files
        failure = Failure.of(stage.name, exc)
    from . import linting

    finding = failure.finding(str(path))
    return FileResult(str(path), linting.allowed(state, path, [finding])), {}, None


def _process_file(
    state: WorkerState, path: Path, module_name: str, stage: _Stage
) -> tuple[FileResult, dict[str, str], str | None]:
    from . import linting

    path_str = str(path)
    if path.suffix == ".ipynb":
        # Named on the command line (folders yield only .py/.pyi): a notebook's JSON can be
        # valid Python, and would "pass" without a cell being read.
        err = SourceError("Jupyter notebooks are not analysed (fastapi-lint reads Python files)")
        findings = linting.allowed(state, path, [syntax_error_finding(path_str, err)])
        return FileResult(path_str, findings), {}, None
    try:
        data = path.read_bytes()
    except OSError as exc:
        err = SourceError(
            "permission denied: the file cannot be read"
            if isinstance(exc, PermissionError)
            else f"cannot read the file: {exc.strerror or exc}"
        )
        findings = linting.allowed(state, path, [syntax_error_finding(path_str, err)])
        return FileResult(path_str, findings), {}, None
    digest = content_digest(data)
    limit = state.settings.max_file_size
    if limit and len(data) > limit:
        findings = linting.allowed(state, path, [too_large(path_str, len(data), limit)])
        return FileResult(path_str, findings), {}, digest
    stage.name = "decode"
    try:
        source = decode_source(data)
    except SourceError as exc:
        findings = linting.allowed(state, path, [syntax_error_finding(path_str, exc)])
        return FileResult(path_str, findings), {}, digest

    stage.name = "rules"
    options = state.options
    # The index's summary of this file, when it was made from these very bytes (it was not
    # edited since, and no other file has the same module name).
    summary: object = linting.UNKNOWN
    if state.index.digests.get(module_name) == module_digest(digest, path):
        summary = state.index.modules.get(module_name)
    fix = options.fix or options.diff
    result, deps = linting.lint_text(
        state, path, source.text, module_name, fix=fix, want_fixed_text=fix, summary=summary
    )
    if options.add_noqa and result.findings:
        noqa_text, added = noqa_edit(result.fixed_source or source.text, result.findings)
        if added:
            result.fixed_source = noqa_text
            result.original_source = source.text
            result.noqa_added = added
    if result.fixed_source is not None and result.fixed_source != source.text:
        result.original_source = source.text
        if (options.fix or options.add_noqa) and not options.diff:
            stage.name = "write"
            try:
                with phase("write"):
                    try:
                        write_source(path, source.encode(result.fixed_source))
                        unwritable = None
                    except SourceError as exc:  # not written: reported, not a failure
                        unwritable = exc
            except PhaseError as exc:
                # Nothing was written: the file's findings are those of its text as it is.
                failure = linting.allowed(state, path, [exc.failure.finding(path_str)])
                return as_unfixed(state, path, module_name, source.text, digest, failure), {}, None
            if unwritable is not None:
                return (
                    not_written(state, path, module_name, source.text, digest, unwritable),
                    {},
                    None,
                )
            digest = None  # the file changed: do not cache findings under the old content
    return result, deps, digest


def not_written(
    state: WorkerState,
    path: Path,
    module_name: str,
    text: str,
    digest: str,
    error: SourceError,
) -> FileResult:
    """A file whose fixes could not be written (not writable): what a plain check reports for
    it, plus one FPI001 saying why nothing was fixed. The index forgets the fixed text."""
    from . import linting

    unwritten = linting.allowed(state, path, [syntax_error_finding(str(path), error)])
    return as_unfixed(state, path, module_name, text, digest, unwritten)


def as_unfixed(
    state: WorkerState,
    path: Path,
    module_name: str,
    text: str,
    digest: str,
    reasons: list[Finding],
) -> FileResult:
    """What a plain check reports for a file whose fixes were not written, after `reasons`
    (why not). The index forgets the fixed text."""
    from . import linting

    state.index.replace_module(
        module_name,
        summarize_source(text, module_name, path.stem == "__init__", str(path)),
        module_digest(digest, path),
        str(path),
    )
    result, _ = linting.lint_text(state, path, text, module_name, fix=False, want_fixed_text=False)
    result.findings = reasons + result.findings
    return result


def add_noqa_comments(text: str, findings: list[Finding]) -> str:
    """Appends `# noqa: CODE` (merged with an existing noqa's codes) to each finding's line."""
    return noqa_edit(text, findings)[0]


def noqa_edit(text: str, findings: list[Finding]) -> tuple[str, int]:
    """add_noqa_comments, plus how many lines got a directive."""
    by_row: dict[int, set[str]] = {}
    for finding in findings:
        if finding.code in ENGINE_CODES or finding.noqa_row is None:
            continue
        by_row.setdefault(finding.noqa_row, set()).add(finding.code)
    if not by_row:
        return text, 0
    lines = split_lines(text, keepends=True)
    added = 0
    for row, codes in sorted(by_row.items()):
        if not 0 < row <= len(lines):
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if _inside_string(lines, row):
            continue
        existing = noqa_codes(body)
        if existing is not None and not existing:
            continue  # a bare noqa already silences everything
        if existing:
            merged = ", ".join(sorted(existing | codes))
            body = re.sub(r"#\s*noqa:[^#]*", f"# noqa: {merged}", body, count=1, flags=re.I)
            body = body.rstrip()
        else:
            body = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}"
        if body + ending != line:
            lines[row - 1] = body + ending
            added += 1
    return "".join(lines), added


def _inside_string(lines: list[str], row: int) -> bool:
    """A line that ends inside a triple-quoted string cannot take a comment."""
    import io
    import tokenize

    try:
        tokens = tokenize.generate_tokens(io.StringIO("".join(lines)).readline)
        for token in tokens:
            if token.type == tokenize.STRING and token.start[0] <= row < token.end[0]:
                return True
            if token.start[0] > row:
                break
    except (tokenize.TokenError, SyntaxError):
        return True
    return False


# -- whole runs -----------------------------------------------------------------------------


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def lint_paths(paths: list[Path], settings: Settings, options: LintOptions) -> RunResult:
    root = settings.project_root.resolve()
    project_listing = python_files_under(root, settings)
    files = discover(paths, settings, known={root: project_listing})
    jobs = options.jobs or default_jobs()
    unsafe = settings.unsafe_fixes if options.unsafe_fixes is None else options.unsafe_fixes
    cache = Cache(
        cache_root(settings.project_root, settings.cache_dir),
        f"{settings.fingerprint()}-{code_fingerprint()}-{'u' if unsafe else 's'}"
        f"{'e' if options.fix_edits else ''}",
        enabled=options.use_cache,
    )
    project_files = set(project_listing)
    project_files.update(f for f in files if f.name.endswith((".py", ".pyi")))
    writes = options.fix or options.diff or options.add_noqa
    scan = scan_files(sorted(project_files), settings, cache)

    # The warm path: nothing in the project changed since the cached findings were made or
    # last validated, so they hold as they are: no summaries loaded, no index built.
    project_state = scan.state() if not scan.todo else None
    if options.use_cache and project_state is not None and not writes:
        hits = _trusted_results(files, scan, cache, project_state)
        if hits is not None:
            return RunResult(results=hits, files_checked=len(files))

    index, entries = build_index(
        sorted(project_files), settings, cache, jobs, scan, options.progress
    )
    # The index lives as long as the run: the collections that still run (between files) do
    # not scan it again and again; forked workers inherit it frozen. Unfrozen at the end.
    gc.freeze()
    enabled = _enabled(settings)
    if project_state is None:
        project_state = Scan(entries, []).state()

    state = WorkerState(settings, index, enabled, options, unsafe)
    roots = import_roots(settings)
    results: dict[str, FileResult] = {}
    work: list[tuple[str, str]] = []
    done_early: list[tuple[FileResult, dict[str, str], str | None]] = []
    from . import linting

    for path in files:
        entry = entries.get(path)
        if entry is not None and entry.problem is not None:
            # Too large or too deep: reported from the index pass, never handed to LibCST.
            message, row, column = entry.problem
            finding = unanalysed(str(path), message, row, column)
            result = FileResult(str(path), linting.allowed(state, path, [finding]))
            done_early.append((result, {}, entry.digest))
            continue
        module = entry.module if entry else module_name_for(path, roots)[0]
        cached = cache.get_result(str(path)) if options.use_cache else None
        findings = _cached_findings(cached) if cached is not None else None
        if findings is not None and entry is not None and entry.digest == cached.get("d"):
            needs_fix = writes and any(
                f.fix is not None and (unsafe or f.fix.applicability == "safe") for f in findings
            )
            if not needs_fix and not options.add_noqa and _deps_valid(index, cached):
                results[str(path)] = FileResult(str(path), findings, cache_hit=True)
                if cached.get("st") != project_state:
                    cache.put_result(str(path), {**cached, "st": project_state})
                continue
        work.append((str(path), module))

    global _STATE
    _STATE = state
    try:
        done = None
        if jobs > 1 and len(work) >= POOL_THRESHOLD:
            # Computed once here, the facts are inherited by every worker (each computed
            # them again before) and stored for the next run. A fact that fails is left to
            # the workers, where it is the FPI002 of each file that reads it.
            with contextlib.suppress(Exception):
                index.prime_facts()
            # The walk and fix machinery (and LibCST) imported once here, inherited by the
            # workers, instead of imported by each of them after the fork.
            from . import fixes, traverse  # noqa: F401

            try:
                with _pool(jobs) as pool:
                    chunk = max(1, min(32, len(work) // (jobs * 4)))
                    outputs = pool.map(_process_job, work, chunksize=chunk)
                    done = _collect(outputs, len(work), options)
            except BrokenProcessPool:
                # A worker died (killed, out of memory): finish in this process. Files a
                # worker already fixed are re-read as they now are, so nothing is fixed twice.
                done = None
        if done is None:
            done = _collect((process_file(state, Path(p), m) for p, m in work), len(work), options)
    finally:
        _STATE = None
    # The cache holds only what a plain `check` reports for the content on disk. A --diff run
    # computes what would remain after fixes it never writes, against an index holding those
    # unwritten fixes: none of it is cached. A --fix/--add-noqa run caches the files it left
    # unchanged, but without the project state, so the next run checks each entry against the
    # index facts it read instead of trusting it (a fixed module's facts moved in between).
    cache_results = not options.diff
    state_stamp = None if writes else project_state
    for result, deps, digest in [*done_early, *done]:
        results[result.path] = result
        if any(f.code == INTERNAL_ERROR for f in result.findings):
            digest = None  # a failure may not repeat: never serve it from the cache
        if cache_results and digest is not None and not result.dropped_fixes:
            try:
                with phase("cache"):
                    cache.put_result(
                        result.path,
                        {
                            "d": digest,
                            "deps": deps,
                            "f": [f.to_dict() for f in result.findings],
                            "st": state_stamp,
                        },
                    )
            except PhaseError as exc:
                cache.drop_result(result.path)
                failure = exc.failure.finding(result.path)
                result.findings.extend(linting.allowed(state, Path(result.path), [failure]))
    # Files whose summary or index join failed: their FPI002 comes with their findings.
    for path in files:
        entry = entries.get(path)
        result = results.get(str(path))
        if entry is not None and entry.failure is not None and result is not None:
            failure = entry.failure.finding(str(path))
            if failure not in result.findings:  # the lint pass may have hit the same failure
                result.findings = [*result.findings, *linting.allowed(state, path, [failure])]
            cache.drop_result(str(path))
    save_parts(index, settings, cache)
    cache.save()
    gc.unfreeze()
    # Every file named or found has a result: one without would pass silently.
    ordered = [results.get(str(p)) or _no_result(state, p) for p in files]
    return RunResult(results=ordered, files_checked=len(files))


def _no_result(state: WorkerState, path: Path) -> FileResult:
    from . import linting

    finding = engine_finding(
        INTERNAL_ERROR, str(path), "fastapi-lint produced no result for this file"
    )
    return FileResult(str(path), linting.allowed(state, path, [finding]))


def _family_facts():
    # Imported here, as the rules are (below): the warm path builds no index.
    from ..rules.registry import FACTS

    return FACTS


def _enabled(settings: Settings) -> frozenset[str]:
    # Imported here: the rules import LibCST, which the warm path does without.
    from ..rules.registry import RULES
    from ..selection import enabled_codes

    return enabled_codes(settings, RULES)


def _trusted_results(
    files: list[Path], scan: Scan, cache: Cache, project_state: str
) -> list[FileResult] | None:
    """Cached results for every file when each was made under this exact project state, else
    None (then the index is built and each cached result is checked against its deps)."""
    results = []
    for path in files:
        entry = scan.entries.get(path)
        cached = cache.get_result(str(path))
        if (
            entry is None
            or entry.digest is None
            or not isinstance(cached, dict)
            or cached.get("st") != project_state
            or cached.get("d") != entry.digest
        ):
            return None
        findings = _cached_findings(cached)
        if findings is None:
            return None
        results.append(FileResult(str(path), findings, cache_hit=True))
    return results


def _deps_valid(index: ProjectIndex, cached: dict[str, Any]) -> bool:
    try:
        return index.dependencies_valid(cached["deps"])
    except Exception:  # a malformed entry: lint the file again
        return False


def _cached_findings(cached: Any) -> list[Finding] | None:
    """The findings of a cached result, or None when the entry is malformed (a cache written
    by hand or cut short): the file is then linted again."""
    try:
        return [Finding.from_dict(f) for f in cached["f"]]
    except Exception:
        return None


def _collect(outputs, total: int, options: LintOptions) -> list:
    return _counted(outputs, total, "linted", options.progress)


def _counted(outputs, total: int, phase: str, progress) -> list:
    done = []
    for count, item in enumerate(outputs, 1):
        done.append(item)
        if progress is not None:
            progress(phase, count, total)
    return done


# -- single sources (stdin, flake8, LSP) ----------------------------------------------------

_PROJECTS: dict[tuple[str, str], tuple[ProjectIndex, dict]] = {}


def project_index(
    settings: Settings, use_cache: bool = True, refresh: bool = False
) -> ProjectIndex:
    """The index of a project, built once per process (flake8 workers, the LSP server)."""
    key = (str(settings.project_root), settings.fingerprint())
    if key in _PROJECTS and not refresh:
        return _PROJECTS[key][0]
    cache = Cache(
        cache_root(settings.project_root, settings.cache_dir), settings.fingerprint(), use_cache
    )
    files = python_files_under(settings.project_root.resolve(), settings)
    index, entries = build_index(sorted(files), settings, cache, 1)
    cache.save()
    _PROJECTS[key] = (index, entries)
    return index


#: Files summarised per step of `index_steps`.
INDEX_STEP_FILES = 50


def index_steps(settings: Settings, use_cache: bool = True) -> Generator[None, None, ProjectIndex]:
    """`project_index` in steps, for a long-lived process that has other work to do meanwhile
    (the LSP server lints an edited buffer between two steps): each `next()` discovers the
    files, summarises up to INDEX_STEP_FILES of them, or computes one project fact. The
    index is kept for the process (`has_project_index` turns true) after its last step, with
    every fact computed, so the first lint against it computes none; the generator returns
    it."""
    key = (str(settings.project_root), settings.fingerprint())
    if key in _PROJECTS:
        return _PROJECTS[key][0]
    cache = Cache(
        cache_root(settings.project_root, settings.cache_dir), settings.fingerprint(), use_cache
    )
    files = python_files_under(settings.project_root.resolve(), settings)
    yield
    index, entries = yield from _build_index(
        sorted(files), settings, cache, 1, None, None, INDEX_STEP_FILES
    )
    cache.save()
    yield
    for name in list(index.facts):
        # A fact that fails is the FPI002 of each file that reads it, when it is linted.
        with contextlib.suppress(Exception):
            index.project_fact(name)
        yield
    _PROJECTS[key] = (index, entries)
    return index


def module_name(path: Path, settings: Settings) -> str:
    """The dotted module name of a file in its project (under the deepest import root)."""
    return module_name_for(Path(os.path.abspath(path)), import_roots(settings))[0]


def not_analysable(size: int, text: str, settings: Settings) -> str | None:
    """Why a file of `size` bytes and `text` is not analysed at all (FPI001's message: too
    large, too deeply nested), or None. LibCST must not parse such a text (codemods ask)."""
    limit = settings.max_file_size
    if limit and size > limit:
        return too_large_message(size, limit)
    reason = check_nesting(text)
    return too_deep_message(reason) if reason is not None else None


def update_module(
    text: str | None, path: Path, settings: Settings, *, index: ProjectIndex | None = None
) -> ProjectIndex:
    """Puts a file's text into its project's index as the module it is, without linting it (an
    editor buffer closed or reverted, a codemod's next pass); None: the module is gone. Only
    the facts that read the module are recomputed. Returns the index."""
    return _update_module(text, path, settings, index)[0]


def _update_module(
    text: str | None, path: Path, settings: Settings, index: ProjectIndex | None
) -> tuple[ProjectIndex, list[Finding]]:
    """update_module, and what it found about the text itself: FPI001 when it is too large or
    too deeply nested to analyse (the index then holds no facts for it), FPI002 when
    summarising it failed."""
    path = Path(os.path.abspath(path))
    path_str = str(path)
    if index is None:
        index = project_index(settings)
    module, is_package = module_name_for(path, import_roots(settings))
    if text is None:
        index.replace_module(module, None, "")
        return index, []
    problems: list[Finding] = []
    summary = None
    limit = settings.max_file_size
    # Four bytes at most per character: only a text near the limit is measured.
    size = len(text.encode("utf-8", "surrogatepass")) if limit and len(text) * 4 > limit else 0
    if limit and size > limit:
        problems.append(too_large(path_str, size, limit))
    else:
        try:
            with phase("summary"):
                summary = summarize_source(text, module, is_package, path_str)
        except TooDeep as exc:
            problems.append(deep_finding(path_str, exc))
        except PhaseError as exc:
            problems.append(exc.failure.finding(path_str))  # the rules still run
    index.replace_module(module, summary, module_digest(text_digest(text), path), path_str)
    return index, problems


@collection_paused()
def lint_source(
    text: str,
    path: Path,
    settings: Settings,
    *,
    index: ProjectIndex | None = None,
    unsafe_fixes: bool | None = None,
    fix: bool = False,
    fix_edits: bool | str = True,
) -> FileResult:
    """Lints text that may differ from the file on disk (stdin, an editor buffer).

    `fix_edits=False` leaves each finding's `fix.edits` empty (computing them applies every fix
    on its own): flake8 does not show them. `fix_edits="lazy"` leaves them empty too and gives
    the result an `edit_maker(finding)` that computes one finding's edits when asked (the
    LSP's code actions). As in a whole run, a text too large or too deeply nested to analyse is one FPI001, and an unexpected exception in a
    phase is one FPI002 naming it."""
    from . import linting

    path = Path(os.path.abspath(path))
    path_str = str(path)
    index, problems = _update_module(text, path, settings, index)
    module = module_name_for(path, import_roots(settings))[0]
    # What update_module just made of this text (None: Python cannot parse it).
    summary = index.modules.get(module)
    unsafe = settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes
    lazy = fix_edits == "lazy"
    options = LintOptions(fix_edits=bool(fix_edits) and not lazy, lazy_edits=lazy)
    state = WorkerState(settings, index, _enabled(settings), options, unsafe)
    if problems:  # too large, too deep, or summarising it failed: nothing more to learn
        return FileResult(path_str, linting.allowed(state, path, problems))
    try:
        result, _ = linting.lint_text(
            state, path, text, module, fix=fix, want_fixed_text=fix, summary=summary
        )
    except PhaseError as exc:  # as in process_file: a finding, not a crash
        result = FileResult(path_str, [exc.failure.finding(path_str)])
    except Exception as exc:
        result = FileResult(path_str, [internal_error(path_str, "rules", exc)])
    result.findings = linting.allowed(state, path, result.findings)
    return result


def lint_bytes(
    data: bytes,
    path: Path,
    settings: Settings,
    *,
    unsafe_fixes: bool | None = None,
    fix: bool = False,
) -> tuple[FileResult, SourceText | None]:
    """lint_source for raw bytes (standard input): decoded as a file would be (BOM, PEP 263
    cookie); bytes that cannot be decoded give one FPI001 finding. Returns the decoded source
    too, so a caller can encode fixed text the same way (`source.encode(text)`)."""
    from . import linting

    limit = settings.max_file_size
    problem = None
    source = None
    if limit and len(data) > limit:
        problem = too_large(str(Path(os.path.abspath(path))), len(data), limit)
    else:
        try:
            source = decode_source(data)
        except SourceError as exc:
            problem = syntax_error_finding(str(Path(os.path.abspath(path))), exc)
    if problem is not None:
        path = Path(os.path.abspath(path))
        state = WorkerState(settings, ProjectIndex({}), _enabled(settings), LintOptions(), False)
        return FileResult(str(path), linting.allowed(state, path, [problem])), None
    result = lint_source(source.text, path, settings, unsafe_fixes=unsafe_fixes, fix=fix)
    return result, source


def fix_source(
    text: str, path: Path, settings: Settings, *, unsafe_fixes: bool = False, index=None
) -> FileResult:
    """The text with every applicable fix applied (`fixed_source`) and what remains."""
    return lint_source(text, path, settings, index=index, unsafe_fixes=unsafe_fixes, fix=True)


# -- a provisional index for the editor -----------------------------------------------------

#: A project with more files than this gets a provisional index when a file is opened before
#: the project's index exists (`quick_index`); a smaller one is indexed in full at once.
QUICK_INDEX_FILES = 300
#: The most modules a provisional index summarises (the opened file's imports, transitively).
QUICK_INDEX_MODULES = 150


def prepare_fixes() -> None:
    """Imports what applying a fix that adds an import needs (`libcst.codemod`, about half a
    second), for a long-lived process to pay while it waits rather than in its first quick
    fix."""
    from .fixes import _top_imports_adder

    _top_imports_adder()


def has_project_index(settings: Settings) -> bool:
    """Whether this process holds the project's index already (`project_index`)."""
    return (str(settings.project_root), settings.fingerprint()) in _PROJECTS


def quick_index(text: str, path: Path, settings: Settings) -> ProjectIndex | None:
    """A provisional index for a file opened before its project's index is built: the file's
    own module, the packages above it and the project modules it imports, transitively (at
    most QUICK_INDEX_MODULES; summaries from the cache where current). None when the project
    is small enough to index in full at once (QUICK_INDEX_FILES).

    Project facts computed over it see only those modules, so a finding that depends on the
    rest of the project (a function's reach from routes elsewhere, a dependency declared in
    another module) may differ from `check`'s until the full index replaces it; the caller
    lints again then."""
    root = settings.project_root.resolve()
    files = python_files_under(root, settings)
    if len(files) <= QUICK_INDEX_FILES:
        return None
    roots = import_roots(settings)
    where: dict[str, Path] = {}
    for file in sorted(files):
        with contextlib.suppress(OSError, ValueError):
            where.setdefault(module_name_for(file, roots)[0], file)
    path = Path(os.path.abspath(path))
    own, is_package = module_name_for(path, roots)
    try:
        summary = summarize_source(text, own, is_package, str(path))
    except Exception:  # too deep, or summarising fails: lint_source reports it
        summary = None
    wanted: list[Path] = []
    seen = {own}

    def want(module: str) -> None:
        parts = module.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            if name not in seen and name in where and len(seen) < QUICK_INDEX_MODULES:
                seen.add(name)
                queue.append(name)
                wanted.append(where[name])

    queue: list[str] = []
    want(own.rpartition(".")[0])
    for target in _imports_of(summary):
        want(target)
    cache = Cache(
        cache_root(settings.project_root, settings.cache_dir), settings.fingerprint(), True
    )
    done = 0
    while done < len(queue):
        batch = wanted[done:]
        done = len(queue)
        scan = scan_files(batch, settings, cache)
        _index, entries = build_index(batch, settings, cache, 1, scan)
        for entry in entries.values():
            blob = entry.summary
            read = marshal.loads(blob) if isinstance(blob, bytes) else blob
            for target in _imports_of(read):
                want(target)
    index, _entries = build_index(wanted, settings, cache, 1)
    cache.save()
    return index


def _imports_of(summary: Any) -> list[str]:
    """The qualified names a summary's import bindings name (any scope)."""
    if not isinstance(summary, dict):
        return []
    found = []
    for scope in summary.get("scopes", {}).values():
        for binding in scope.get("bindings", {}).values():
            if binding and binding[0] == "import" and isinstance(binding[1], str):
                found.append(binding[1])
    return found
