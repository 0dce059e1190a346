"""Secret-bearing models, read from the project index only (shared by the FPI3xx rules).

Answers, for a qualified class name: is it a Pydantic `BaseModel` / `SQLModel` (through bases in
any module, transitively), what are its serialised fields (inherited ones included), and which
of them are secrets that reach a client. A secret field does not leak when it is typed
`SecretStr`/`SecretBytes`, declared with `Field(exclude=True)`, excluded by a v1
`Config.fields`, or serialised by a `@field_serializer`; a model with a `@model_serializer`
decides its own output and is never reported. Fields typed with another secret-bearing model
leak that model's secrets (`owner.hashed_password`).

A secret-named field whose annotation cannot hold a secret (`cannot_hold_secret`: flags,
moments, choices, counts) is not a secret; `token`/`api_key` fields (`CREDENTIAL_NAMES`) are
secrets on stored-record models when the route reads or updates records (`docs/secrets.md`).

Secret names come from `DEFAULT_SECRET_PATTERNS` (full matches on the snake_case name, names
with a look-alike word such as `has_password` or `password_changed_at` excluded) and the
`[tool.fastapi-lint.rules]` keys `secret-field-patterns` (replaces the defaults),
`extend-secret-field-patterns`, `ignore-secret-fields` and `allowed-secret-models`.

`public_fields(index, model_qual)` and `public_sibling(...)` are the entry points a codemod that
generates `<Model>Public` can call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...index.route_writes import REDACTING_CALL
from ...index.shapes import (
    Call,
    Const,
    Mapping,
    Name,
    Seq,
    Subscript,
    Union,
    ValueBinding,
    dotted,
    fields,
    is_const,
    is_none,
    string,
    view,
    view_binding,
)
from ...index.summary import Shape, annotation_shape
from ...syntax import parse_expression

if TYPE_CHECKING:
    from ...config import Settings
    from ...index.project import ProjectIndex

MODEL_ROOTS = {
    "pydantic.BaseModel": "pydantic",
    "pydantic.main.BaseModel": "pydantic",
    "pydantic.v1.BaseModel": "pydantic",
    "pydantic.v1.main.BaseModel": "pydantic",
    "pydantic.generics.GenericModel": "pydantic",
    "sqlmodel.SQLModel": "sqlmodel",
    "sqlmodel.main.SQLModel": "sqlmodel",
}
SECRET_TYPES = frozenset(
    f"{mod}.{name}"
    for mod in ("pydantic", "pydantic.types", "pydantic.v1", "pydantic.v1.types")
    for name in ("SecretStr", "SecretBytes", "Secret")
)
FIELD_FUNCTIONS = frozenset(
    {
        "pydantic.Field",
        "pydantic.fields.Field",
        "pydantic.v1.Field",
        "pydantic.v1.fields.Field",
        "sqlmodel.Field",
        "sqlmodel.main.Field",
    }
)
NOT_FIELDS = frozenset(
    {
        "sqlmodel.Relationship",
        "sqlmodel.main.Relationship",
        "pydantic.PrivateAttr",
        "pydantic.fields.PrivateAttr",
        "pydantic.v1.PrivateAttr",
    }
)
FIELD_SERIALIZERS = frozenset(
    {"pydantic.field_serializer", "pydantic.functional_serializers.field_serializer"}
)
FIELD_VALIDATORS = frozenset(
    {
        "pydantic.field_validator",
        "pydantic.functional_validators.field_validator",
        "pydantic.validator",
        "pydantic.class_validators.validator",
    }
)
#: A validator returning such a call (or a string literal) replaces the value with a masked one
#: (`REDACTING_CALL`, shared with the summaries' route writes).
MODEL_SERIALIZERS = frozenset(
    {"pydantic.model_serializer", "pydantic.functional_serializers.model_serializer"}
)
MODEL_VALIDATORS = frozenset(
    {
        "pydantic.model_validator",
        "pydantic.functional_validators.model_validator",
        "pydantic.root_validator",
        "pydantic.class_validators.root_validator",
    }
)
CLASSVAR = frozenset({"typing.ClassVar", "typing_extensions.ClassVar"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
LITERAL = frozenset({"typing.Literal", "typing_extensions.Literal"})
# Bare annotations that let any content through (no filtering).
OPAQUE_TYPES = frozenset(
    {
        "typing.Any",
        "typing_extensions.Any",
        "builtins.dict",
        "builtins.object",
        "typing.Dict",
        "typing.Mapping",
        "typing.MutableMapping",
        "collections.abc.Mapping",
        "collections.abc.MutableMapping",
    }
)
RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.", "fastapi.Response")

# -- secret names --------------------------------------------------------------------------

_W = r"[a-z0-9]+"


def _words(core: str) -> str:
    """`core` as whole words anywhere in a snake_case name (`hashed_password`, `secret_name`)."""
    return rf"(?:{_W}_)*(?:{core})(?:_{_W})*"


#: Full matches on the field name in snake_case (camelCase is converted first).
DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (
    _words(r"password|passwd|pwd|passphrase|hashedpassword|passwordhash"),
    _words(r"secret|secrets|secretkey|client_secret"),
    _words(r"private_key|privatekey|salt"),
    _words(r"ssn|social_security(?:_number)?|socialsecuritynumber"),
    _words(r"(?:credit_)?card_(?:number|num|no)|cardnumber|cc_number|cvv|cvc"),
)
#: Words that make a name *about* a secret rather than the secret itself (`has_password`,
#: `password_changed_at`, `password_min_length`, `is_secret`). They exclude a name from the
#: default patterns only; patterns from the configuration are taken as written.
LOOKALIKE_WORDS: tuple[str, ...] = (
    "is", "has", "have", "can", "should", "must", "need", "needs", "require", "requires",
    "required", "use", "uses", "allow", "allowed", "show", "enable", "enabled", "disabled",
    "changed", "updated", "created", "modified", "set", "at", "on", "expires", "expiry",
    "expired", "expiration", "age", "ttl", "min", "max", "length", "len", "policy", "rule",
    "rules", "hint", "count", "attempts", "strength", "score", "last4", "last", "masked",
    "mask", "version", "type", "kind", "algorithm", "algo", "scheme", "format", "rounds",
    "label", "placeholder", "question", "file", "path", "url", "uri", "env", "provider",
    "rotation", "rotated", "valid", "verified", "confirmed", "reset_required", "status",
)  # fmt: skip
_LOOKALIKE = re.compile(rf"(?:{_W}_)*(?:{'|'.join(LOOKALIKE_WORDS)})(?:_{_W})*")
#: Fields an OAuth2 token route is meant to return.
TOKEN_FIELDS = re.compile(r"(?:(?:access|refresh|id)_)?token(?:_type)?|expires_in|scope")
#: Credentials that are the payload of the route issuing them (a login, a new API key) and a
#: leak when a stored record is read back: reported only as a field of a stored-record model
#: (`table=True`, `from_attributes`/`orm_mode`) in a response of a GET/PUT/PATCH/DELETE route
#: (see `is_credential_name` and `stored_record`).
CREDENTIAL_NAMES = re.compile(rf"(?:{_W}_)*(?:token|api_key|apikey|access_key|auth_key)")


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class SecretPolicy:
    """Which field names are secrets, and what the configuration allows."""

    default_patterns: tuple[str, ...] = DEFAULT_SECRET_PATTERNS
    extra_patterns: tuple[str, ...] = ()
    ignore_fields: frozenset[str] = frozenset()
    allowed_models: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple:
        return (
            self.default_patterns,
            self.extra_patterns,
            tuple(sorted(self.ignore_fields)),
            tuple(sorted(self.allowed_models)),
        )

    def is_secret_name(self, name: str) -> bool:
        return _is_secret_name(name, self.default_patterns, self.extra_patterns)

    def ignores(self, field: str, *classes: str) -> bool:
        if field in self.ignore_fields:
            return True
        for qual in classes:
            short = qual.rpartition(".")[2]
            if f"{qual}.{field}" in self.ignore_fields or f"{short}.{field}" in self.ignore_fields:
                return True
        return False

    def allows_model(self, qual: str) -> bool:
        return qual in self.allowed_models or qual.rpartition(".")[2] in self.allowed_models


@lru_cache(maxsize=4096)
def _is_secret_name(name: str, defaults: tuple[str, ...], extra: tuple[str, ...]) -> bool:
    snake = snake_case(name).strip("_")
    if any(_compiled(p).fullmatch(snake) for p in extra):
        return True
    if _LOOKALIKE.fullmatch(snake):
        return False
    return any(_compiled(p).fullmatch(snake) for p in defaults)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # The configuration rejects a pattern that does not compile (exit 2, naming it).
    return re.compile(pattern, re.IGNORECASE)


#: Tokens that are no credential: pagination cursors, CSRF tokens (meant for the page),
#: push-notification device registrations, and the tokens of text models (a stop word stored
#: with an agent's settings, `termination_token = "DONE!"`; a tokenizer's `eos_token`).
NOT_CREDENTIALS = re.compile(
    rf"(?:{_W}_)*(?:continuation|page|next|prev|previous|cursor|sync|resume|pagination|"
    rf"idempotency|csrf|xsrf|push|fcm|apns|device|registration|"
    rf"termination|stop|eos|bos|pad|unk|sep|cls|mask|special|sentinel|delimiter)(?:_{_W})*"
)


def is_credential_name(name: str) -> bool:
    """`token`, `api_token`, `api_key`...: not `token_type`, `token_count`, `has_api_key`,
    `next_page_token`, `csrf_token`."""
    snake = snake_case(name).strip("_")
    return (
        bool(CREDENTIAL_NAMES.fullmatch(snake))
        and not _LOOKALIKE.fullmatch(snake)
        and not NOT_CREDENTIALS.fullmatch(snake)
    )


def policy_for(settings: Settings | None) -> SecretPolicy:
    if settings is None:
        return SecretPolicy()
    replace = settings.rule_option("secret-field-patterns")
    return SecretPolicy(
        default_patterns=tuple(replace) if replace is not None else DEFAULT_SECRET_PATTERNS,
        extra_patterns=tuple(settings.rule_option("extend-secret-field-patterns") or ()),
        ignore_fields=frozenset(settings.rule_option("ignore-secret-fields") or ()),
        allowed_models=frozenset(settings.rule_option("allowed-secret-models") or ()),
    )


# -- models and fields ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    """One serialised field of a model, as declared (possibly in a base class elsewhere)."""

    name: str
    owner: str  # qualified name of the class that declares it
    module: str  # module of the owner, where the annotation's names resolve
    scope: str  # scope key of the owner's body
    annotation: Shape | None
    default: Shape | None
    line: int
    hidden: str | None  # why its value never reaches a client: "secret-type", "exclude", ...


@dataclass(frozen=True)
class ModelInfo:
    qual: str
    kind: str  # "pydantic" or "sqlmodel"
    table: bool
    fields: tuple[FieldInfo, ...]
    custom_serializer: bool
    stored: bool = False  # a table model, or read from stored objects (from_attributes/orm_mode)

    def field(self, name: str) -> FieldInfo | None:
        for item in self.fields:
            if item.name == name:
                return item
        return None


def _memo(index: ProjectIndex, key: tuple, compute: Any) -> Any:
    # The index replays what a memoised answer read into the cache's dependency tracker.
    return index.memoised(key, compute)


def _class_location(index: ProjectIndex, qual: str) -> tuple[str, str, dict] | None:
    split = index.split_qualified(qual)
    if split is None:
        return None
    summary = index.module(split[0])
    fact = summary["classes"].get(split[1]) if summary else None
    if fact is None:
        return None
    return split[0], split[1], fact


def _resolve(index: ProjectIndex, module: str, scope: str, shape: Shape | None):
    if not shape:
        return None
    return index.ref_of_value(module, scope, shape)


def model_kind(index: ProjectIndex, qual: str) -> str | None:
    """Returns "pydantic" or "sqlmodel" when `qual` is a project model class, else None."""
    return _memo(index, ("fpi3-kind", qual), lambda: _model_kind(index, qual))


def _model_kind(index: ProjectIndex, qual: str) -> str | None:
    located = _class_location(index, qual)
    if located is None:
        return None
    module, _key, fact = located
    outer = fact.get("parent") or ""
    kinds = []
    for base in fact["bases"]:
        ref = _resolve(index, module, outer, base)
        if ref is None:
            continue
        if ref.kind == "external" and ref.qual in MODEL_ROOTS:
            kinds.append(MODEL_ROOTS[ref.qual])
        elif ref.kind == "class":
            kind = model_kind(index, ref.qual)
            if kind:
                kinds.append(kind)
    if "sqlmodel" in kinds:
        return "sqlmodel"
    return kinds[0] if kinds else None


def model_info(index: ProjectIndex, qual: str) -> ModelInfo | None:
    """The model's serialised fields, bases first (Python's order for pydantic fields)."""
    return _memo(index, ("fpi3-model", qual), lambda: _model_info(index, qual))


def _model_info(index: ProjectIndex, qual: str) -> ModelInfo | None:
    kind = model_kind(index, qual)
    located = _class_location(index, qual)
    if kind is None or located is None:
        return None
    module, key, fact = located
    outer = fact.get("parent") or ""
    found: dict[str, FieldInfo] = {}
    custom = False
    stored = _reads_attributes(fact)
    for base in reversed(fact["bases"]):
        ref = _resolve(index, module, outer, base)
        if ref is not None and ref.kind == "class":
            inherited = model_info(index, ref.qual)
            if inherited is not None:
                found.update((f.name, f) for f in inherited.fields)
                custom = custom or inherited.custom_serializer
                stored = stored or inherited.stored
    excluded_by_config = _config_excluded(fact)
    serialized, has_model_serializer = _serializers(index, module, key)
    custom = custom or has_model_serializer
    for field in fields(fact):
        name, annotation, default = field.name, field.annotation, field.default
        if name.startswith("_") or name == "model_config":
            continue
        if _is_classvar(index, module, key, annotation) or _not_a_field(
            index, module, key, default
        ):
            found.pop(name, None)
            continue
        hidden = None
        if _is_secret_type(index, module, key, annotation):
            hidden = "secret-type"
        elif _field_excluded(index, module, key, default, annotation):
            hidden = "exclude"
        found[name] = FieldInfo(name, qual, module, key, annotation, default, field.line, hidden)
    for name in list(found):
        if found[name].hidden is None:
            if name in excluded_by_config:
                found[name] = _with_hidden(found[name], "config")
            elif name in serialized:
                found[name] = _with_hidden(found[name], "serializer")
    table = is_const(fact["keywords"].get("table"), True)
    return ModelInfo(qual, kind, table, tuple(found.values()), custom, stored or table)


def _reads_attributes(fact: dict) -> bool:
    """`model_config = ConfigDict(from_attributes=True)` (or a dict literal), or v1's
    `class Config: orm_mode = True`: the model is built from stored (ORM) objects."""
    keys = ("from_attributes", "orm_mode")
    legacy = fact.get("legacy_config", {})
    if any(is_const(legacy.get(key), True) for key in keys):
        return True
    match view(fact.get("config")):
        case Call(_func, _args, kwargs):
            return any(is_const(kwargs.get(key), True) for key in keys)
        case Mapping(pairs):
            return any(string(key) in keys and is_const(value, True) for key, value in pairs)
    return False


def _with_hidden(item: FieldInfo, why: str) -> FieldInfo:
    return FieldInfo(
        item.name,
        item.owner,
        item.module,
        item.scope,
        item.annotation,
        item.default,
        item.line,
        why,
    )


def _config_excluded(fact: dict) -> set[str]:
    """Pydantic v1: `class Config: fields = {"password": {"exclude": True}}`."""
    config = view(fact.get("legacy_config", {}).get("fields"))
    names: set[str] = set()
    if isinstance(config, Mapping):
        for key, value in config.pairs:
            name = string(key)
            options = view(value)
            if name is None or not isinstance(options, Mapping):
                continue
            for option, setting in options.pairs:
                if string(option) == "exclude" and is_const(setting, True):
                    names.add(name)
    return names


def _serializers(index: ProjectIndex, module: str, class_key: str) -> tuple[set[str], bool]:
    summary = index.module(module)
    names: set[str] = set()
    whole = False
    if summary is None:
        return names, whole
    for fact in summary["functions"].values():
        if fact.get("class") != class_key:
            continue
        for decorator in fact["decorators"]:
            call = view(decorator)
            ref = _resolve(
                index, module, class_key, call.func if isinstance(call, Call) else decorator
            )
            if ref is None:
                continue
            named = {string(a) for a in call.args} - {None} if isinstance(call, Call) else set()
            if ref.qual in MODEL_SERIALIZERS:
                whole = True
            elif ref.qual in FIELD_SERIALIZERS:
                names |= named
            elif ref.qual in FIELD_VALIDATORS and any(
                _redacts(v) for v in fact.get("returns_values", ())
            ):
                # `@field_validator("password") ... return redact(v)`: the model stores (and
                # so serialises) only the masked value.
                names |= named
            elif ref.qual in MODEL_VALIDATORS:
                # `@model_validator(mode="after") def mask(self): self.secrets = mask(...)`:
                # the instance keeps only the masked value of each field so assigned.
                names |= {
                    attr
                    for attr, value, _annotation in fact.get("self_assigns", ())
                    if _redacts(value)
                }
    return names, whole


def _redacts(shape: Shape | None, depth: int = 0) -> bool:
    """A returned string literal, or a call to a redact/mask-like function (at any depth)."""
    if not shape or depth > 6:
        return False
    match view(shape):
        case Const(value):
            return isinstance(value, str)
        case Call(func, args):
            name = dotted(func)
            if name is not None and REDACTING_CALL.match(name.rsplit(".", 1)[-1]):
                return True
            return any(_redacts(a, depth + 1) for a in args)
    return False


def is_secret_field(index: ProjectIndex, policy: SecretPolicy, item: FieldInfo) -> bool:
    """A field named like a secret whose type can hold one (not a nested model, not a flag, a
    moment, a choice or a count) and that holds a value, not references to secrets kept
    elsewhere or the settings of something that handles them (`refers_to_secrets`)."""
    return (
        policy.is_secret_name(item.name)
        and not _holds_models_only(index, item)
        and not cannot_hold_secret(index, item.module, item.scope, item.annotation, item.name)
        and not refers_to_secrets(index, item)
    )


#: A class named for a credential (`ApiKeyOut`, `ReadInviteToken`): the record *is* the key.
CREDENTIAL_CLASS = re.compile(r"(?i).*(token|key|credential)")
#: Wrappers a listing puts records in (`Page[...]`, `UserPagination`, `ItemsResponse`).
LISTING_CLASS = re.compile(r"(?i).*(page|paginat|list|collection|results|response)")


def _credential_is_the_resource(qual: str, stack: tuple) -> bool:
    """A token on a record named for it (`ReadInviteToken.token`), returned as the resource or
    in a listing of such records, is the route's payload. The same token riding along inside
    another record (`UserOut.tokens[].token`, `User.api_key`) is a leak."""
    if not CREDENTIAL_CLASS.match(qual.rpartition(".")[2]):
        return False
    return all(
        CREDENTIAL_CLASS.match(outer.rpartition(".")[2])
        or LISTING_CLASS.match(outer.rpartition(".")[2])
        for outer in stack
    )


def is_stored_credential(index: ProjectIndex, item: FieldInfo) -> bool:
    """A `token`/`api_key`-like field that can hold a string (on a stored-record model)."""
    return (
        is_credential_name(item.name)
        and not _holds_models_only(index, item)
        and not cannot_hold_secret(index, item.module, item.scope, item.annotation, item.name)
        and not refers_to_secrets(index, item)
    )


def _holds_models_only(index: ProjectIndex, item: FieldInfo) -> bool:
    """`password: FieldBehavior | None`: the field holds a nested model (whose own fields are
    checked), not a secret value."""
    leaves = _annotation_leaves(index, item.module, item.scope, item.annotation)
    return bool(leaves) and all(
        r is not None and r.kind == "class" and model_kind(index, r.qual) for r in leaves
    )


def _annotation_leaves(
    index: ProjectIndex, module: str, scope: str, shape: Shape | None, depth: int = 0
) -> list[Any]:
    """Refs of the types an annotation allows, through Optional/Union/Annotated/`X | None`."""
    if shape is None or depth > 8:
        return []

    def leaves(parts: list) -> list:
        return [x for s in parts for x in _annotation_leaves(index, module, scope, s, depth + 1)]

    match view(shape):
        case Const(value):
            return leaves([_parse_annotation(value)]) if isinstance(value, str) else []
        case Union(options):
            return leaves(options)
        case Subscript(value, items):
            base = _resolve(index, module, scope, value)
            name = base.qual if base else ""
            if name in ANNOTATED:
                return leaves(items[:1])
            if name in ("typing.Optional", "typing.Union"):
                return leaves(items)
            return [base]
        case Name(name):
            return [] if name == "None" else [_resolve(index, module, scope, shape)]
    return [None]


def _parse_annotation(text: str) -> Shape | None:
    try:
        return annotation_shape(parse_expression(text))
    except (SyntaxError, ValueError, RecursionError):
        return None


# -- types that cannot hold a secret -----------------------------------------------------------

#: Values of these types are flags, counts, moments or choices, never a secret string.
NON_SECRET_TYPES = frozenset(
    {
        "builtins.bool",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "pydantic.StrictBool",
        "pydantic.types.StrictBool",
        "pydantic.AwareDatetime",
        "pydantic.NaiveDatetime",
        "pydantic.PastDatetime",
        "pydantic.FutureDatetime",
        "pydantic.PastDate",
        "pydantic.FutureDate",
        "pydantic.types.AwareDatetime",
        "pydantic.types.NaiveDatetime",
        "pydantic.types.PastDatetime",
        "pydantic.types.FutureDatetime",
        "pydantic.types.PastDate",
        "pydantic.types.FutureDate",
    }
)
#: Numbers: a count or a size, unless the name says it is a number-like secret (a PIN, a CVV).
NUMERIC_TYPES = frozenset(
    {"builtins.int", "builtins.float", "decimal.Decimal"}
    | {
        f"{mod}.{name}"
        for mod in ("pydantic", "pydantic.types")
        for name in (
            "PositiveInt", "NegativeInt", "NonNegativeInt", "NonPositiveInt", "StrictInt",
            "PositiveFloat", "NegativeFloat", "NonNegativeFloat", "NonPositiveFloat",
            "StrictFloat", "FiniteFloat",
        )
    }
)  # fmt: skip
NUMERIC_SECRET = re.compile(
    r"(?:[a-z0-9]+_)*(?:ssn|social_security|card|cardnumber|cc|cvv|cvc|pin|otp|totp|code)"
    r"(?:_[a-z0-9]+)*"
)
ENUM_ROOTS = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag", "enum.ReprEnum"}
)
#: Wrappers whose first argument is the value's type.
UNWRAP_FIRST = ANNOTATED | {"sqlalchemy.orm.Mapped", "typing.Final", "typing_extensions.Final"}
UNION_TYPES = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional"})
TYPE_ALIAS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})


def cannot_hold_secret(
    index: ProjectIndex, module: str, scope: str, shape: Shape | None, name: str
) -> bool:
    """True when a field's annotation allows only values that cannot be a secret: `bool`,
    dates and times, enums, `Literal[...]` choices, numbers (unless `name` is a number-like
    secret such as `card_cvv`), and containers or unions of those. Aliases and enum classes
    are resolved through the index across modules. An unknown or open type (`str`, `Any`, a
    class we cannot see) may hold one: False."""
    kinds = _value_kinds(index, module, scope, shape, 0)
    if not kinds or "open" in kinds:
        return False
    return "number" not in kinds or not NUMERIC_SECRET.fullmatch(snake_case(name).strip("_"))


def _value_kinds(
    index: ProjectIndex, module: str, scope: str, shape: Shape | None, depth: int
) -> set[str]:
    """The kinds of value an annotation allows: "fixed" (flags, moments, choices), "number",
    "open" (anything that may carry text). None alone gives an empty set."""
    if shape is None or depth > 8:
        return {"open"}
    match view(shape):
        case Const(None):
            return set()
        case Const(str(text)):
            return _value_kinds(index, module, scope, _parse_annotation(text), depth + 1)
        case Union(options):
            return {k for s in options for k in _value_kinds(index, module, scope, s, depth + 1)}
        case Name("None"):
            return set()
        case Name(name):
            alias = _type_alias(index, module, scope, name)
            if alias is not None:
                return _value_kinds(index, alias[0], alias[1], alias[2], depth + 1)
            return _kind_of_ref(index, _resolve(index, module, scope, shape))
        case Subscript(value, args):
            base = _resolve(index, module, scope, value)
            qual = base.qual if base is not None else ""
            if qual in LITERAL:
                return {"fixed"}
            if qual in UNWRAP_FIRST and args:
                return _value_kinds(index, module, scope, args[0], depth + 1)
            if qual in UNION_TYPES or qual in CONTAINERS:
                items = [a for a in args if dotted(a) != "Ellipsis" and not is_const(a, Ellipsis)]
                return {k for a in items for k in _value_kinds(index, module, scope, a, depth + 1)}
    return {"open"}


def _type_alias(index: ProjectIndex, module: str, scope: str, name: str):
    """(module, scope, shape) a type alias name stands for: `X = list[bool]` (through imports),
    `X: TypeAlias = bool`, `type X = bool`."""
    alias = index.alias_shape(module, scope, name)
    if alias is not None:
        return alias[0], "", alias[1]
    found = index.lookup_binding(module, scope, name) if "." not in name else None
    if found is None:
        return None
    binding, bound_in = found
    match view_binding(binding):
        case ValueBinding(value, annotation) if annotation:
            resolved = _resolve(index, module, bound_in, annotation)
            if resolved is not None and resolved.qual in TYPE_ALIAS:
                return module, bound_in, value
    return None


def _kind_of_ref(index: ProjectIndex, ref: Any) -> set[str]:
    if ref is None:
        return {"open"}
    if ref.qual in NON_SECRET_TYPES:
        return {"fixed"}
    if ref.qual in NUMERIC_TYPES:
        return {"number"}
    if ref.kind == "class" and is_enum_class(index, ref.qual):
        return {"fixed"}
    return {"open"}


def is_enum_class(index: ProjectIndex, qual: str) -> bool:
    """A project class deriving (in any module, transitively) from an `enum` class."""
    return bool(_memo(index, ("fpi3-enum", qual), lambda: _is_enum_class(index, qual, 0)))


def _is_enum_class(index: ProjectIndex, qual: str, depth: int) -> bool:
    located = _class_location(index, qual)
    if located is None or depth > 8:
        return False
    module, _key, fact = located
    outer = fact.get("parent") or ""
    for base in fact["bases"]:
        ref = _resolve(index, module, outer, base)
        if ref is None:
            continue
        if ref.qual in ENUM_ROOTS:
            return True
        if ref.kind == "class" and ref.qual != qual and _is_enum_class(index, ref.qual, depth + 1):
            return True
    return False


# -- fields about secrets, not holding one --------------------------------------------------

#: Identifier types. A field that takes a string *or* an identifier (`list[str | UUID]`) holds
#: lookup keys in either form (the names or IDs of secrets stored elsewhere), never a value.
ID_TYPES = frozenset(
    {"uuid.UUID"}
    | {
        f"{mod}.{name}"
        for mod in ("pydantic", "pydantic.types")
        for name in ("UUID1", "UUID3", "UUID4", "UUID5")
    }
)
STRING_TYPES = frozenset({"builtins.str"})
MAPPING_TYPES = frozenset(
    {
        "builtins.dict",
        "typing.Dict",
        "typing.Mapping",
        "typing.MutableMapping",
        "collections.abc.Mapping",
        "collections.abc.MutableMapping",
    }
)
#: The last word of a name for the settings of something (`detect_secrets_config`).
CONFIG_WORDS = frozenset(
    {"config", "configs", "configuration", "configurations", "settings", "options", "params",
     "parameters"}
)  # fmt: skip


def refers_to_secrets(index: ProjectIndex, item: FieldInfo) -> bool:
    """The field is about secrets rather than one, decided from its type (read through
    aliases, `Optional`, unions, `Annotated` and containers, across modules):

    - it takes a string *or* a UUID, alone or in a container (`secrets: list[str | UUID]`,
      zenml's step configuration): a secret's name or its ID, the reference of a value kept in
      a secret store. A UUID alone is not enough (`uuid4()` makes API keys);
    - its name ends in a settings word (`_config`, `_settings`, `_options`, `_params`) and its
      type is a mapping (`detect_secrets_config: dict | None`, the settings of litellm's
      secret-scanning guardrail): the configuration of something that handles secrets. A
      string of that name may be a connection string and is still a secret."""
    leaves = _type_leaves(index, item.module, item.scope, item.annotation, 0)
    if not leaves:
        return False
    if leaves & ID_TYPES and leaves & STRING_TYPES and leaves <= ID_TYPES | STRING_TYPES:
        return True
    words = snake_case(item.name).strip("_").split("_")
    return len(words) > 1 and words[-1] in CONFIG_WORDS and leaves <= MAPPING_TYPES


def _type_leaves(
    index: ProjectIndex, module: str, scope: str, shape: Shape | None, depth: int
) -> frozenset[str] | None:
    """The qualified names of the types a value of the annotation may have, through aliases,
    string annotations, `Optional`/unions/`Annotated` and the element types of containers; a
    mapping counts as itself (`dict[str, Any]` gives `builtins.dict`). None when any part is
    unknown (an unresolved name, a shape we do not read)."""
    if shape is None or depth > 8:
        return None
    again = lambda inner, m=module, s=scope: _type_leaves(index, m, s, inner, depth + 1)  # noqa: E731

    def union(parts: list) -> frozenset[str] | None:
        found: set[str] = set()
        for part in parts:
            leaves = again(part)
            if leaves is None:
                return None
            found |= leaves
        return frozenset(found)

    match view(shape):
        case Const(None):
            return frozenset()
        case Const(str(text)):
            return again(_parse_annotation(text))
        case Union(options):
            return union(options)
        case Name("None"):
            return frozenset()
        case Name(name):
            alias = _type_alias(index, module, scope, name)
            if alias is not None:
                return again(alias[2], alias[0], alias[1])
            ref = _resolve(index, module, scope, shape)
            return frozenset({ref.qual}) if ref is not None else None
        case Subscript(value, args):
            base = _resolve(index, module, scope, value)
            if base is None:
                return None
            if base.qual in UNWRAP_FIRST and args:
                return again(args[0])
            if base.qual in UNION_TYPES or base.qual in CONTAINERS:
                items = [a for a in args if dotted(a) != "Ellipsis" and not is_const(a, Ellipsis)]
                return union(items)
            return frozenset({base.qual})
    return None


def _is_secret_type(index: ProjectIndex, module: str, scope: str, shape: Shape | None) -> bool:
    leaves = _annotation_leaves(index, module, scope, shape)
    return bool(leaves) and all(r is not None and r.qual in SECRET_TYPES for r in leaves)


def _is_classvar(index: ProjectIndex, module: str, scope: str, shape: Shape | None) -> bool:
    if not shape:
        return False
    typed = view(shape)
    ref = _resolve(index, module, scope, typed.value if isinstance(typed, Subscript) else shape)
    return ref is not None and ref.qual in CLASSVAR


def _not_a_field(index: ProjectIndex, module: str, scope: str, default: Shape | None) -> bool:
    call = view(default)
    if not isinstance(call, Call):
        return False
    ref = _resolve(index, module, scope, call.func)
    return ref is not None and ref.qual in NOT_FIELDS


def _is_exclude_call(index: ProjectIndex, module: str, scope: str, shape: Shape | None) -> bool:
    call = view(shape)
    if not isinstance(call, Call) or not is_const(call.kwargs.get("exclude"), True):
        return False
    ref = _resolve(index, module, scope, call.func)
    return ref is not None and ref.qual in FIELD_FUNCTIONS


def _field_excluded(
    index: ProjectIndex, module: str, scope: str, default: Shape | None, annotation: Shape | None
) -> bool:
    if _is_exclude_call(index, module, scope, default):
        return True
    # Annotated[str, Field(exclude=True)]
    typed = view(annotation)
    if isinstance(typed, Subscript):
        base = _resolve(index, module, scope, typed.value)
        if base is not None and base.qual in ANNOTATED:
            return any(_is_exclude_call(index, module, scope, m) for m in typed.items[1:])
    return False


# -- annotations naming models -----------------------------------------------------------


@dataclass(frozen=True)
class TypeFacts:
    """What an annotation (a response model, a return annotation, a parameter) names."""

    models: tuple[str, ...] = ()  # project model classes anywhere inside it
    opaque: bool = False  # dict / Any / object: passes anything through unfiltered
    response: bool = False  # a Response class: FastAPI does no filtering
    unknown: bool = False  # a name we cannot resolve
    # Models named only as the argument of a project generic model (`SpecApplyRequest[RunSpec]`
    # names `RunSpec` here): inside a field of the generic model, not the model itself.
    arguments: tuple[str, ...] = ()

    @property
    def direct(self) -> tuple[str, ...]:
        return tuple(m for m in self.models if m not in self.arguments)


def type_facts(index: ProjectIndex, module: str, scope: str, shape: Shape | None) -> TypeFacts:
    models: list[str] = []
    flags = {"opaque": False, "response": False, "unknown": False}
    arguments: list[str] = []
    _walk_type(index, module, scope, shape, models, flags, 0, arguments)
    direct = [m for m in models if m not in arguments]
    inner = tuple(dict.fromkeys(m for m in arguments if m not in direct))
    return TypeFacts(tuple(dict.fromkeys(models)), **flags, arguments=inner)


def _walk_type(index, module, scope, shape, models, flags, depth, arguments=None) -> None:
    """Collects the models an annotation names into `models`; with `arguments`, those named
    as the argument of a project generic model go there too."""
    if shape is None or depth > 8:
        return

    def walk(inner, in_module=module, in_scope=scope, into=models) -> None:
        _walk_type(index, in_module, in_scope, inner, into, flags, depth + 1, arguments)

    typed = view(shape)
    if isinstance(typed, Const):
        if isinstance(typed.value, str):
            walk(_parse_annotation(typed.value))
        return
    if isinstance(typed, Union | Seq):
        for item in typed.options if isinstance(typed, Union) else typed.items:
            walk(item)
        return
    if isinstance(typed, Name):
        if typed.dotted == "None":
            return
        alias = index.alias_shape(module, scope, typed.dotted)
        if alias is not None:
            walk(alias[1], alias[0], "")
            return
        ref = _resolve(index, module, scope, shape)
        if ref is None:
            flags["unknown"] = True
        elif ref.kind == "class":
            if model_kind(index, ref.qual):
                models.append(ref.qual)
        elif ref.kind == "external":
            if ref.qual in OPAQUE_TYPES:
                flags["opaque"] = True
            elif is_response_class(ref.qual):
                flags["response"] = True
        return
    if isinstance(typed, Subscript):
        base = _resolve(index, module, scope, typed.value)
        name = base.qual if base else ""
        if name in LITERAL:
            return
        if name in ANNOTATED:
            walk(typed.items[0])
            return
        generic = base is not None and base.kind == "class" and bool(model_kind(index, base.qual))
        if generic:
            models.append(base.qual)  # a generic page model: its own fields count too
        for arg in typed.items:
            if generic and arguments is not None:
                found: list[str] = []
                walk(arg, into=found)
                models.extend(found)
                arguments.extend(found)
            else:
                walk(arg)
        return
    flags["unknown"] = True


CONTAINERS = frozenset(
    {
        "builtins.list",
        "builtins.set",
        "builtins.frozenset",
        "builtins.tuple",
        "typing.List",
        "typing.Set",
        "typing.FrozenSet",
        "typing.Tuple",
        "typing.Sequence",
        "typing.Iterable",
        "typing.Collection",
        "collections.abc.Sequence",
        "collections.abc.Iterable",
        "collections.abc.Collection",
    }
)


def is_collection(index: ProjectIndex, module: str, scope: str, shape: Shape | None) -> bool:
    """`list[X]`, `Sequence[X]`... seen through aliases, `Annotated`, `Optional` and `| None`."""
    for _ in range(8):
        typed = view(shape)
        if isinstance(typed, Name):
            alias = index.alias_shape(module, scope, typed.dotted)
            if alias is None:
                return False
            module, scope, shape = alias[0], "", alias[1]
            continue
        if isinstance(typed, Union):
            real = [s for s in typed.options if not is_none(s)]
            if len(real) != 1:
                return False
            shape = real[0]
            continue
        if not isinstance(typed, Subscript):
            return False
        base = _resolve(index, module, scope, typed.value)
        name = base.qual if base else ""
        if name in CONTAINERS:
            return True
        if name in ANNOTATED or name == "typing.Optional":
            shape = typed.items[0]
            continue
        if name == "typing.Union":
            real = [s for s in typed.items if not is_none(s)]
            if len(real) != 1:
                return False
            shape = real[0]
            continue
        return False
    return False


def is_response_class(qual: str) -> bool:
    return qual.startswith(RESPONSE_MODULES) and qual.rpartition(".")[2].endswith("Response")


# -- leaks ----------------------------------------------------------------------------------


MAX_NESTING = 4


def leaked_fields(
    index: ProjectIndex,
    qual: str,
    policy: SecretPolicy,
    token_route: bool = False,
    credentials: bool = False,
) -> tuple[str, ...]:
    """Dotted paths of the secret fields that reach a client when `qual` is serialised.
    `credentials`: the route reads or updates records (GET/PUT/PATCH/DELETE, not a token
    route), so stored credentials (`CREDENTIAL_NAMES` on a stored-record model) leak too."""
    key = ("fpi3-leaks", qual, policy.key, token_route, credentials)
    found = _memo(
        index, key, lambda: _leaked_fields(index, qual, policy, token_route, credentials, ())
    )
    return found or ()


def _leaked_fields(
    index: ProjectIndex,
    qual: str,
    policy: SecretPolicy,
    token_route: bool,
    credentials: bool,
    stack: tuple,
) -> tuple[str, ...]:
    # Nested models are followed with an explicit stack (not the memo), so a recursive model
    # gets the same answer whichever model of the cycle is asked first.
    info = model_info(index, qual)
    if info is None or info.custom_serializer or policy.allows_model(qual):
        return ()
    leaks: list[str] = []
    for item in info.fields:
        if item.hidden is not None or policy.ignores(item.name, qual, item.owner):
            continue
        if token_route and TOKEN_FIELDS.fullmatch(item.name):
            continue
        if is_secret_field(index, policy, item) or (
            credentials
            and info.stored
            and is_stored_credential(index, item)
            and not _credential_is_the_resource(qual, stack)
        ):
            leaks.append(item.name)
            continue
        if len(stack) >= MAX_NESTING:
            continue
        facts = type_facts(index, item.module, item.scope, item.annotation)
        for nested in facts.models:
            if nested == qual or nested in stack:
                continue
            inner = _leaked_fields(index, nested, policy, token_route, credentials, (*stack, qual))
            leaks.extend(f"{item.name}.{p}" for p in inner)
    return tuple(leaks)


def public_fields(
    index: ProjectIndex, model_qual: str, policy: SecretPolicy | None = None
) -> list[FieldInfo]:
    """The fields a public twin of the model may keep: every serialised field that is not a
    secret (fields typed with a secret-bearing model are left out too, as a codemod cannot
    know which public model to use for them). Empty when `model_qual` is not a model."""
    policy = policy or SecretPolicy()
    info = model_info(index, model_qual)
    if info is None:
        return []
    leaked_heads = {p.split(".")[0] for p in leaked_fields(index, model_qual, policy)}
    return [
        f
        for f in info.fields
        if f.hidden is None and f.name not in leaked_heads and not is_secret_field(index, policy, f)
    ]


PUBLIC_SUFFIXES = ("Public", "Out", "Read", "Response", "View", "Safe")
PRIVATE_SUFFIXES = (
    "InDB", "InDb", "DB", "Db", "Table", "Model", "ORM", "Orm", "Private", "Internal",
    "Full", "Secret", "In", "Create", "Base", "Schema",
)  # fmt: skip


def sibling_names(name: str) -> list[str]:
    stems = [name] + [
        name[: -len(s)] for s in PRIVATE_SUFFIXES if name.endswith(s) and len(name) > len(s)
    ]
    names = [stem + suffix for stem in stems for suffix in PUBLIC_SUFFIXES]
    return [n for n in dict.fromkeys(names) if n != name]


def public_sibling(
    index: ProjectIndex,
    model_qual: str,
    policy: SecretPolicy,
    token_route: bool = False,
    credentials: bool = False,
) -> str | None:
    """A model beside `model_qual` (same module) named like its public twin (`UserPublic`,
    `UserOut`, `UserRead`...) that leaks nothing and whose fields all exist on the model, so
    FastAPI can build it from the model's objects."""
    info = model_info(index, model_qual)
    split = index.split_qualified(model_qual)
    if info is None or split is None:
        return None
    module = split[0]
    summary = index.module(module)
    if summary is None:
        return None
    own = {f.name for f in info.fields}
    for name in sibling_names(split[1].rpartition(".")[2]):
        if name not in summary["classes"]:
            continue
        qual = f"{module}.{name}"
        candidate = model_info(index, qual)
        if candidate is None or candidate.custom_serializer:
            continue
        if leaked_fields(index, qual, policy, token_route, credentials):
            continue
        if {f.name for f in candidate.fields} <= own:
            return qual
    return None
