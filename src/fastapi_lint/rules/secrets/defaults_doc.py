"""The "Defaults" section of the FPI3xx rule pages and of `fastapi-lint rule FPI30x`: the
secret-name patterns and look-alike words the rules use, generated from `models.py`, with
sample names judged by the same code, so a user need not read the source to learn that
`api_key` is not a secret by default."""

from __future__ import annotations

import re

from .models import (
    CREDENTIAL_NAMES,
    DEFAULT_SECRET_PATTERNS,
    LOOKALIKE_WORDS,
    NUMERIC_SECRET,
    TOKEN_FIELDS,
    SecretPolicy,
)

# The shape `_words(core)` gives a default pattern: the core as whole words of the name.
_WORDS = re.compile(r"\(\?:\[a-z0-9\]\+_\)\*\(\?:(?P<core>.*)\)\(\?:_\[a-z0-9\]\+\)\*")

#: Names whose verdict users ask about; the table shows what the defaults decide for them.
SAMPLE_NAMES = (
    "password",
    "hashed_password",
    "passwordHash",
    "client_secret",
    "private_key",
    "ssn",
    "card_number",
    "api_key",
    "token",
    "access_token",
    "secret_name",
    "has_password",
    "password_changed_at",
    "password_min_length",
    "is_secret",
)


def _top_level_alternatives(core: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in core:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _words_of(pattern: str) -> str:
    """`a`, `b` for a pattern whose one alternation group lists the words."""
    group = re.search(r"\(\?:((?:[a-z_]+\|)+[a-z_]+)\)", pattern)
    words = group.group(1).split("|") if group else [pattern]
    return ", ".join(f"`{w}`" for w in words)


def secret_defaults_markdown() -> str:
    policy = SecretPolicy()
    lines = [
        "## Defaults",
        "A field is a secret when its name, in snake_case (`passwordHash` is `password_hash`),",
        "contains one of these words (alone or joined by `_` to others: `hashed_password`,",
        "`db_password`); each line is one default pattern:",
        "",
    ]
    for pattern in DEFAULT_SECRET_PATTERNS:
        match = _WORDS.fullmatch(pattern)
        if match is None:
            lines.append(f"- the regular expression `{pattern}`")
            continue
        words = ", ".join(f"`{w}`" for w in _top_level_alternatives(match["core"]))
        lines.append(f"- {words}")
    lines += [
        "",
        "A name that also contains one of these look-alike words is *about* a secret, not the",
        "secret itself, and is not one by default (`has_password`, `password_changed_at`):",
        "",
        ", ".join(f"`{w}`" for w in LOOKALIKE_WORDS) + ".",
        "",
        "Fields typed `SecretStr`/`SecretBytes`/`Secret` never count (pydantic masks them). On",
        f"an OAuth2 token route, fields matching `{TOKEN_FIELDS.pattern}` are the response.",
        "",
        "What the defaults decide for some names:",
        "",
        "| Field name | Secret by default? |",
        "| --- | --- |",
    ]
    for name in SAMPLE_NAMES:
        lines.append(f"| `{name}` | {'yes' if policy.is_secret_name(name) else 'no'} |")
    lines += [
        "",
        "The name is not enough: a field whose type cannot hold a secret (`bool`, dates and",
        "times, an enum, a `Literal`, a number unless the name has a number-like word:",
        f"{_words_of(NUMERIC_SECRET.pattern)}) is not one. Credentials, names ending in",
        f"{_words_of(CREDENTIAL_NAMES.pattern)} (`api_token`, `access_token`; not pagination,",
        "CSRF or device tokens, nor a text model's `stop_token`/`eos_token`), are secrets as fields of a stored-record model (`table=True`,",
        "`from_attributes`/`orm_mode`) that a GET, PUT, PATCH or DELETE route returns; a POST",
        "that issues them and a token route return them by design. What the route itself puts",
        "into a field (a masked value, the caller's input, a secret it generates in a POST)",
        "counts too: `docs/secrets.md` in the repository.",
        "",
        "`extend-secret-field-patterns` adds regular expressions (matched against the whole",
        "snake_case name, look-alike words not applied); `secret-field-patterns` replaces the",
        "defaults; `ignore-secret-fields` and `allowed-secret-models` exempt fields and models:",
        "",
        "```toml",
        "[tool.fastapi-lint.rules]",
        'extend-secret-field-patterns = ["api_key", ".*_token"]',
        'ignore-secret-fields = ["User.password_hint"]',
        "```",
    ]
    return "\n".join(lines) + "\n"
