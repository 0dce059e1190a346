"""Plain data that crosses process boundaries: findings, fixes and their edits.

Rows are 1-based and columns are 1-based code points everywhere in this module; front ends that
need another convention (flake8's 0-based columns, LSP's UTF-16 units) convert in `positions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Applicability = Literal["safe", "unsafe"]

#: The engine's own codes (rules of no family): a file that could not be analysed, and a failure
#: of fastapi-lint itself. Always on unless ignored by code; `--add-noqa` leaves them alone (they
#: are not about a line).
UNPARSABLE_FILE = "FPI001"
INTERNAL_ERROR = "FPI002"
ENGINE_CODES = frozenset({UNPARSABLE_FILE, INTERNAL_ERROR})
ENGINE_CODE_NAMES = {UNPARSABLE_FILE: "unparsable-file", INTERNAL_ERROR: "internal-error"}
#: Also always on, but about a line (so noqa comments and `--add-noqa` apply): syntax newer
#: than `target-version`, reported by the engine from the index summary.
SYNTAX_NEWER_THAN_TARGET = "FPI003"


@dataclass(frozen=True)
class Location:
    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class FixInfo:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class ChainHop:
    """One call on the path a transitive finding follows across functions and files: where the
    call is (absolute path, 1-based row and column) and the callee as written (`fetch_profile`,
    `requests.get`). A finding's chain runs from the reported call to the call that does harm."""

    filename: str
    row: int
    column: int
    call: str


@dataclass(frozen=True)
class RelatedLocation:
    """A definition a finding points at without a path through calls: the response model of an
    FPI3xx finding, the secret field's definition. `message` says what is there."""

    filename: str
    row: int
    column: int
    message: str


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    fix: FixInfo | None = None
    noqa_row: int | None = None
    #: The calls from the reported one to the one that does harm (FPI110, FPI404, ...); empty
    #: for findings about one node.
    chain: tuple[ChainHop, ...] = ()
    #: Definitions the finding refers to (FPI3xx: the model, the secret field).
    related: tuple[RelatedLocation, ...] = ()
    # Traceback text for internal errors, shown with --verbose only.
    detail: str | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.location.row, self.location.column, self.code)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Most findings have neither: keep the cache small.
        for key in ("chain", "related"):
            if not data[key]:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        fix = data.get("fix")
        return cls(
            code=data["code"],
            name=data["name"],
            message=data["message"],
            path=data["path"],
            location=Location(**data["location"]),
            end_location=Location(**data["end_location"]),
            fix=None
            if fix is None
            else FixInfo(
                applicability=fix["applicability"],
                message=fix["message"],
                edits=tuple(
                    Edit(
                        content=e["content"],
                        location=Location(**e["location"]),
                        end_location=Location(**e["end_location"]),
                    )
                    for e in fix["edits"]
                ),
            ),
            noqa_row=data.get("noqa_row"),
            chain=tuple(ChainHop(**hop) for hop in data.get("chain", ())),
            related=tuple(RelatedLocation(**item) for item in data.get("related", ())),
            detail=data.get("detail"),
        )


@dataclass
class FileResult:
    """What linting (and maybe fixing) one file produced."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    # Set when --fix/--diff produced new content for the file.
    fixed_source: str | None = None
    original_source: str | None = None
    fixes_applied: dict[str, int] = field(default_factory=dict)
    # Fixes that were dropped because the result did not compile.
    dropped_fixes: list[str] = field(default_factory=list)
    # Fixes not applied because they would write syntax newer than target-version.
    held_back_fixes: list[str] = field(default_factory=list)
    cache_hit: bool = False
    # How many lines --add-noqa gave a suppression comment.
    noqa_added: int = 0
    # `lint_source(..., fix_edits="lazy")`: computes one finding's fix edits when asked
    # (`edit_maker(finding)`), from the tree the findings came from; never cached or pickled.
    edit_maker: Callable[[Finding], tuple[Edit, ...]] | None = field(
        default=None, repr=False, compare=False
    )


def engine_finding(
    code: str, path: str, message: str, row: int = 1, column: int = 1, detail: str | None = None
) -> Finding:
    """An FPI001/FPI002 finding: a point at (row, column), clamped to the file's start."""
    location = Location(max(row, 1), max(column, 1))
    return Finding(
        code=code,
        name=ENGINE_CODE_NAMES[code],
        message=message,
        path=path,
        location=location,
        end_location=location,
        detail=detail,
    )
