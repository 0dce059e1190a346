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
annotations (a literal default is kept; `Field(...)` options are not, as the twin is a
response model). Then the FPI301/FPI302 fixes, which point a route at a public sibling, run on
every file. A file's routes see twins generated in other files on the next pass:
`fastapi-lint codemod` runs two passes itself; LibCST's runner needs a second run.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from ...codemods.base import EngineCodemod
from ...engine import fix_source, module_name
from ...index.project import ProjectIndex
from .models import (
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
LITERALS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.Imaginary)


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
                if public_sibling(index, verdict.model, policy, view.token_route) is None:
                    found.add(verdict.model)
    return found


def twin_name(name: str, taken: set[str]) -> str | None:
    stems = [name[: -len(s)] for s in PRIVATE_SUFFIXES if name.endswith(s) and len(name) > len(s)]
    for stem in [*stems, name]:
        candidate = f"{stem}Public"
        if candidate != name and candidate not in taken:
            return candidate
    return None


def _literal(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(node, LITERALS):
        return node
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return node
    if isinstance(node, cst.UnaryOperation) and isinstance(node.expression, LITERALS):
        return node
    return None


def _default(value: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """A literal default, also out of `Field(default=...)` / `Field(<default>, ...)`."""
    if isinstance(value, cst.Call):
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value == "default":
                return _literal(arg.value)
        first = value.args[0] if value.args else None
        if first is not None and first.keyword is None and first.star == "":
            return _literal(first.value)
        return None
    return _literal(value)


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
            default = _default(declared.value)
            statements.append(
                cst.SimpleStatementLine(
                    [
                        cst.AnnAssign(
                            target=cst.Name(item.name),
                            annotation=declared.annotation,
                            value=default,
                            equal=cst.AssignEqual()
                            if default is not None
                            else cst.MaybeSentinel.DEFAULT,
                        )
                    ]
                )
            )
        if not statements:
            statements.append(cst.SimpleStatementLine([cst.Pass()]))
        return cst.ClassDef(
            name=cst.Name(twin),
            bases=[cst.Arg(b) for b in bases],
            body=cst.IndentedBlock(statements),
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        )


def summary_names(index: ProjectIndex, module: str) -> set[str]:
    summary = index.module(module) or {}
    return set(summary.get("scopes", {}).get("", {}).get("bindings", {}))
