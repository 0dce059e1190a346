"""The "Defaults" sections of the FPI1xx rule pages, generated from the catalog, so a page
lists exactly the calls its rule reports (and the offloaders FPI109 knows)."""

from __future__ import annotations

from collections import defaultdict

from . import catalog

_SOURCE = "`src/fastapi_lint/rules/blocking/catalog.py`"


def _module_of(qual: str) -> tuple[str, str]:
    module, _, name = qual.rpartition(".")
    return (module or "builtins", name)


def catalog_markdown(category: str) -> str:
    """Markdown listing the functions and the methods of types the catalog files under
    `category`, each group with what to use instead."""
    functions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for qual, entry in catalog.FUNCTIONS.items():
        if entry.category == category:
            module, name = _module_of(qual)
            functions[(module, entry.use)].append(name)
    types: dict[int, tuple[catalog._Type, list[str]]] = {}
    for qual, spec in catalog.TYPES.items():
        if spec.category == category:
            types.setdefault(id(spec), (spec, []))[1].append(qual)
    if not functions and not types:
        return ""
    lines = [
        "## Defaults",
        f"The calls this rule reports, generated from the catalog ({_SOURCE}). Names are",
        "matched through imports, so `import requests as r; r.get(...)` counts; a call the",
        "catalog lacks can be added with `blocking-calls` (reported as FPI111).",
        "",
    ]
    if functions:
        lines.append("Functions:")
        lines.append("")
        for (module, use), names in sorted(functions.items()):
            shown = ", ".join(f"`{n}`" for n in sorted(set(names)))
            lines.append(f"- `{module}`: {shown} (use {use})")
        lines.append("")
    if types:
        lines.append(
            "Methods of objects of these types (created, annotated or returned as listed):"
        )
        lines.append("")
        for spec, quals in sorted(types.values(), key=lambda item: item[0].label):
            if spec.methods is None:
                methods = "every public method"
                if spec.exclude:
                    methods += " except " + ", ".join(f"`{m}`" for m in sorted(spec.exclude))
            else:
                methods = ", ".join(f"`{m}`" for m in sorted(spec.methods))
            names = ", ".join(f"`{q}`" for q in sorted(set(quals)))
            lines.append(f"- `{spec.label}` ({names}): {methods} (use {spec.use})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def offloaders_markdown() -> str:
    """The calls FPI109 knows to run their argument in a thread, and `offload-calls`."""
    names = sorted(catalog.OFFLOADERS)
    return (
        "\n".join(
            [
                "## Defaults",
                f"The offloaders this rule knows, from the catalog ({_SOURCE}); `offload-calls`",
                "adds your own (their first argument is taken as the function to run):",
                "",
                *(f"- `{name}`" for name in names),
            ]
        )
        + "\n"
    )
