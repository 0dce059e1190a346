"""generate-public-model: a `<Model>Public` twin beside each secret-bearing model that a route
sends to clients, and the routes pointed at it (a rewrite over several files).

    fastapi-lint codemod generate-public-model app/
    python -m libcst.tool codemod -x --no-format \\
        fastapi_lint.codemods.public_model.GeneratePublicModel app/      (run it twice)

Which models: those an FPI301 (`secret-model-returned-unfiltered`) or FPI302
(`secret-field-in-response-model`) finding would name, whose module has no public sibling yet.
The twin keeps every field the secret helpers (`rules/secret_models.py`) call public: secrets,
fields typed with another secret-bearing model, and fields hidden from output are left out. It
subclasses the model's bases that leak nothing and are not tables (`class UserPublic(UserBase)`),
else `SQLModel` or `BaseModel`, and re-declares the remaining public fields with the model's own
annotations and declared values: the twin becomes the route's response model, so everything
that decides a response's validation is kept (every default, `= []` included, and every
`Field(...)` argument: `default_factory`, aliases, constraints, descriptions), except the
arguments that describe a table column (`primary_key`, `foreign_key`, `index`, `unique`,
`nullable`, `ondelete`, `sa_type`, `sa_column*`); `Field(default=x)` alone becomes `= x`. The
model's configuration (`model_config = ...`, `class Config:`) and class keywords other than
`table` are copied, and so are its `@field_validator`/`@validator`/`@field_serializer` methods
whose fields (named as string literals) the twin keeps; a validator or serializer of a
left-out field, and model-level ones (`@model_validator`, `@model_serializer`,
`@computed_field`, `@root_validator`), are not copied and are named in a warning. A table
model's constraints are not checked by SQLModel, its twin's are (as in SQLModel's own
`HeroPublic(HeroBase)` pattern). Then the FPI301/FPI302 fixes, which point a route at a public
sibling, run on every file; a route that returns the model inside a list or dict literal (or
returns several models) has no single response model to declare: it is left alone and named
in a warning. A file's routes see twins generated in other files on the next pass:
`fastapi-lint codemod` runs two passes itself; LibCST's runner needs a second run.
"""

from __future__ import annotations

from typing import Any

from libcst.codemod.visitors import AddImportsVisitor

from ...codemods.base import EngineCodemod
from ...engine import fix_source, module_name
from ...index.project import ProjectIndex
from ...lazycst import cst
from .models import (
    FIELD_FUNCTIONS,
    FIELD_SERIALIZERS,
    FIELD_VALIDATORS,
    MODEL_SERIALIZERS,
    PRIVATE_SUFFIXES,
    SecretPolicy,
    leaked_fields,
    model_info,
    policy_for,
    public_fields,
    public_sibling,
)
from .routes import output_verdict, return_verdict, route_view

ROUTE_CODES = ("FPI301", "FPI302")
ROOTS = {"sqlmodel": ("sqlmodel", "SQLModel"), "pydantic": ("pydantic", "BaseModel")}


def models_needing_twins(index: ProjectIndex, policy: SecretPolicy) -> set[str]:
    """Models that a route sends to clients with their secrets and that have no public sibling."""
    found: set[str] = set()
    for module, summary in list(index.modules.items()):
        for key, fact in summary.get("functions", {}).items():
            view = route_view(index, module, key)
            if view is None:
                continue
            verdicts = [output_verdict(index, view, policy)]
            verdicts.extend(
                return_verdict(index, view, policy, shape)
                for shape in fact.get("returns_values", [])
                if shape
            )
            for verdict in verdicts:
                if verdict is None or verdict.code not in ROUTE_CODES or verdict.model is None:
                    continue
                if public_sibling(index, verdict.model, policy, *view.context) is None:
                    found.add(verdict.model)
    return found


def routes_left_alone(index: ProjectIndex, policy: SecretPolicy, module: str) -> list[str]:
    """Warnings for the routes of `module` that send a secret-bearing model but return
    something no response model can be declared for: a list or dict literal, or objects of
    more than one model. The codemod leaves them alone and says so."""
    summary = index.module(module) or {}
    found = []
    for key, fact in summary.get("functions", {}).items():
        view = route_view(index, module, key)
        if view is None:
            continue
        for shape in fact.get("returns_values", []):
            verdict = return_verdict(index, view, policy, shape) if shape else None
            if verdict is None or verdict.code not in ROUTE_CODES or verdict.model is not None:
                continue
            found.append(
                f"line {fact.get('line', '?')}: route `{key.rpartition('.')[2]}` is left alone "
                f"({verdict.code}: {verdict.message}): it returns a list or dict literal, or more "
                "than one model, which no single response model describes; declare one yourself"
            )
            break
    return found


def twin_name(name: str, taken: set[str]) -> str | None:
    stems = [name[: -len(s)] for s in PRIVATE_SUFFIXES if name.endswith(s) and len(name) > len(s)]
    for stem in [*stems, name]:
        candidate = f"{stem}Public"
        if candidate != name and candidate not in taken:
            return candidate
    return None


# Field(...) arguments that describe the table column of a SQLModel table model: meaningless
# (or invalid, like a `Column` already bound to a table) on a response model. Every other
# argument (default, default_factory, alias, constraints, description, ...) is kept.
COLUMN_ONLY_ARGS = frozenset(
    {
        "primary_key",
        "foreign_key",
        "ondelete",
        "unique",
        "index",
        "nullable",
        "sa_type",
        "sa_column",
        "sa_column_args",
        "sa_column_kwargs",
    }
)
# Decorators whose methods change what a model accepts or how it is serialised.
MODEL_LEVEL_DECORATORS = MODEL_SERIALIZERS | frozenset(
    {
        "pydantic.model_validator",
        "pydantic.functional_validators.model_validator",
        "pydantic.root_validator",
        "pydantic.class_validators.root_validator",
        "pydantic.computed_field",
        "pydantic.fields.computed_field",
    }
)


def public_value(
    index: ProjectIndex, module: str, value: cst.BaseExpression | None
) -> cst.BaseExpression | None:
    """The declared value a twin keeps for a field: the same default, `Field(...)` with its
    arguments but the column-only ones; None when nothing is left (the field is required)."""
    if value is None or not isinstance(value, cst.Call):
        return value
    dotted = _dotted(value.func)
    ref = index.resolve_name(module, "", dotted) if dotted else None
    if ref is None or ref.qual not in FIELD_FUNCTIONS:
        return value
    args = [
        arg
        for arg in value.args
        if arg.keyword is None or arg.keyword.value not in COLUMN_ONLY_ARGS
    ]
    if not args:
        return None
    if len(args) == 1 and args[0].star == "":
        only = args[0]
        if only.keyword is None or only.keyword.value == "default":
            return only.value  # `Field(default=None)` is `= None`
    if len(args) != len(value.args):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return value.with_changes(args=args)


def _decorator_quals(index: ProjectIndex, module: str, funcdef: cst.FunctionDef):
    """(decorator qualified name or its last name, the decorator node) for each decorator."""
    for decorator in funcdef.decorators:
        node = decorator.decorator
        func = node.func if isinstance(node, cst.Call) else node
        dotted = _dotted(func)
        if dotted is None:
            continue
        ref = index.resolve_name(module, "", dotted)
        yield (ref.qual if ref is not None else dotted), node


def _field_names(call: cst.BaseExpression) -> list[str] | None:
    """The field names a `@field_validator("a", "b")` names; None if not all are literals."""
    if not isinstance(call, cst.Call):
        return None
    names = []
    for arg in call.args:
        if arg.keyword is not None:
            continue
        if not isinstance(arg.value, cst.SimpleString) or arg.star:
            return None
        names.append(arg.value.evaluated_value)
    return names


def _top_level_classes(tree: cst.Module) -> dict[str, cst.ClassDef]:
    return {s.name.value: s for s in tree.body if isinstance(s, cst.ClassDef)}


def _field_statement(classdef: cst.ClassDef, name: str) -> cst.AnnAssign | None:
    body = classdef.body.body if isinstance(classdef.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
            ):
                return small
    return None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


class GeneratePublicModel(EngineCodemod):
    DESCRIPTION = (
        "Generates `<Model>Public` beside each secret-bearing model a route sends to clients "
        "and points the routes at it (run twice with LibCST's runner)."
    )
    RULE_CODES = ROUTE_CODES

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = self.file_path()
        settings = self.settings_for(path)
        index = self.index_for(settings)
        policy = policy_for(settings)
        module = module_name(path, settings)
        needed = sorted(
            q
            for q in models_needing_twins(index, policy)
            if q.startswith(f"{module}.") and "." not in q[len(module) + 1 :]
        )
        if needed:
            tree = self._add_twins(tree, index, policy, module, needed)
        for warning in routes_left_alone(index, policy, module):
            self.warn(warning)
        result = fix_source(tree.code, path, settings, unsafe_fixes=True, index=index)
        if result.fixed_source is not None and result.fixed_source != tree.code:
            tree = cst.parse_module(result.fixed_source).with_changes(encoding=tree.encoding)
        return tree

    def _add_twins(
        self,
        tree: cst.Module,
        index: ProjectIndex,
        policy: SecretPolicy,
        module: str,
        models: list[str],
    ) -> cst.Module:
        classes = _top_level_classes(tree)
        taken = set(classes)
        summary = index.module(module) or {}
        taken.update(summary.get("scopes", {}).get("", {}).get("bindings", {}))
        twins: dict[str, cst.ClassDef] = {}
        for qual in models:
            name = qual.rpartition(".")[2]
            classdef = classes.get(name)
            twin = twin_name(name, taken)
            if classdef is None or twin is None:
                continue
            built = self._twin(classdef, classes, twin, index, policy, module, qual)
            if built is not None:
                twins[name] = built
                taken.add(twin)
        if not twins:
            return tree
        body: list[Any] = []
        for stmt in tree.body:
            body.append(stmt)
            if isinstance(stmt, cst.ClassDef) and stmt.name.value in twins:
                body.append(twins[stmt.name.value])
        return tree.with_changes(body=body)

    def _twin(
        self,
        classdef: cst.ClassDef,
        classes: dict[str, cst.ClassDef],
        twin: str,
        index: ProjectIndex,
        policy: SecretPolicy,
        module: str,
        qual: str,
    ) -> cst.ClassDef | None:
        info = model_info(index, qual)
        keep = public_fields(index, qual, policy)
        if info is None or not keep:
            self.warn(f"{qual}: no public field to keep; no twin generated")
            return None
        bases: list[cst.BaseExpression] = []
        provided: set[str] = set()
        for arg in classdef.bases:
            dotted = _dotted(arg.value)
            ref = index.resolve_name(module, "", dotted) if dotted else None
            if ref is None or ref.kind != "class":
                continue
            base_info = model_info(index, ref.qual)
            if base_info is None or base_info.table or leaked_fields(index, ref.qual, policy):
                continue
            bases.append(arg.value)
            provided.update(f.name for f in base_info.fields)
        if not bases:
            root_module, root_name = ROOTS[info.kind]
            bases.append(cst.Name(root_name))
            binding = index.resolve_name(module, "", root_name)
            if binding is None or binding.qual not in (
                f"{root_module}.{root_name}",
                f"{root_module}.main.{root_name}",
            ):
                if root_name in summary_names(index, module):
                    self.warn(f"{qual}: `{root_name}` means something else here; no twin")
                    return None
                AddImportsVisitor.add_needed_import(self.context, root_module, root_name)
        statements = []
        for item in keep:
            if item.name in provided:
                continue
            owner = item.owner.rpartition(".")[2]
            if item.module != module or owner not in classes:
                self.warn(f"{qual}.{item.name} is declared in another module; no twin")
                return None
            declared = _field_statement(classes[owner], item.name)
            if declared is None:
                self.warn(f"{qual}.{item.name}: declaration not found; no twin")
                return None
            value = public_value(index, module, declared.value)
            statements.append(
                cst.SimpleStatementLine(
                    [
                        cst.AnnAssign(
                            target=cst.Name(item.name),
                            annotation=declared.annotation,
                            value=value,
                            equal=cst.AssignEqual()
                            if value is not None
                            else cst.MaybeSentinel.DEFAULT,
                        )
                    ]
                )
            )
        kept = {item.name for item in keep}
        config, methods = self._class_level(classdef, index, module, qual, twin, kept)
        if config and statements:
            statements[0] = statements[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        statements = config + statements + methods
        if not statements:
            statements.append(cst.SimpleStatementLine([cst.Pass()]))
        # Class keywords configure the model (`frozen=True`); `table=True` makes it a table.
        keywords = [k for k in classdef.keywords if k.keyword and k.keyword.value != "table"]
        if keywords:
            keywords[-1] = keywords[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return cst.ClassDef(
            name=cst.Name(twin),
            bases=[cst.Arg(b) for b in bases],
            keywords=keywords,
            body=cst.IndentedBlock(statements),
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        )

    def _class_level(
        self,
        classdef: cst.ClassDef,
        index: ProjectIndex,
        module: str,
        qual: str,
        twin: str,
        kept: set[str],
    ) -> tuple[list[Any], list[Any]]:
        """What the twin copies from the model's body besides fields: its configuration
        (`model_config = ...`, `class Config:`), which decides aliases and serialisation, and
        the field validators and serializers that touch only kept fields. Model-level
        validators, serializers and computed fields, and those that touch a left-out field,
        are named in a warning instead."""
        body = classdef.body.body if isinstance(classdef.body, cst.IndentedBlock) else ()
        config: list[Any] = []
        methods: list[Any] = []
        for stmt in body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
                config.append(stmt.with_changes(leading_lines=[]))
                continue
            if isinstance(stmt, cst.SimpleStatementLine) and any(
                _assigns(small, "model_config") for small in stmt.body
            ):
                config.append(stmt.with_changes(leading_lines=[]))
                continue
            if not isinstance(stmt, cst.FunctionDef):
                continue
            name = stmt.name.value
            for dec_qual, node in _decorator_quals(index, module, stmt):
                short = dec_qual.rpartition(".")[2]
                if dec_qual in FIELD_VALIDATORS | FIELD_SERIALIZERS or (
                    "." not in dec_qual and short in ("field_validator", "field_serializer")
                ):
                    fields = _field_names(node)
                    if fields is not None and fields and set(fields) <= kept:
                        methods.append(
                            stmt.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
                        )
                    elif fields:
                        left_out = ", ".join(f"`{f}`" for f in sorted(set(fields) - kept))
                        self.warn(
                            f"{qual}: `{name}` is not copied to `{twin}`: it handles "
                            f"{left_out}, which `{twin}` leaves out"
                        )
                    else:
                        self.warn(
                            f"{qual}: `{name}` is not copied to `{twin}`: the fields it handles "
                            "are not named as string literals; add it to the twin if needed"
                        )
                    break
                if dec_qual in MODEL_LEVEL_DECORATORS or (
                    "." not in dec_qual
                    and short in ("model_validator", "root_validator", "model_serializer")
                ):
                    self.warn(
                        f"{qual}: `{name}` ({short}) is not copied to `{twin}`: it may read "
                        f"fields `{twin}` leaves out; add it to `{twin}` if responses need it"
                    )
                    break
        return config, methods


def _assigns(small: cst.BaseSmallStatement, name: str) -> bool:
    if isinstance(small, cst.Assign):
        return any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets)
    return (
        isinstance(small, cst.AnnAssign)
        and isinstance(small.target, cst.Name)
        and (small.target.value == name)
    )


def summary_names(index: ProjectIndex, module: str) -> set[str]:
    summary = index.module(module) or {}
    return set(summary.get("scopes", {}).get("", {}).get("bindings", {}))
