"""`Ref`: what an expression refers to (shared by the index and its semantic model)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """What an expression refers to.

    kind:
      "module"    a module, project or external (`qual` is its dotted name)
      "function"  a project function (`qual` = module + "." + function key)
      "class"     a project class
      "external"  something outside the project reached through an import (`requests.get`,
                  `builtins.open`); it may be a function, a class or a constant
      "instance"  an object created by calling/annotated with `qual` (`httpx.Client`,
                  `app.db.SessionLocal`); `member` access on it yields kind "member"
      "member"    attribute of an instance: `qual` = type + "." + attribute
      "container" a list/set/sequence/iterator of instances of `qual` (the semantic model)
      "super"     `super()` inside a method of the project class `qual`
      "constructor" a class method that builds an instance of `qual` (`User.model_validate`)
      "cm_function" `contextmanager(gen)` applied by hand to the project generator `qual`
      "cm"        what calling a "cm_function" gives: entering it binds what `qual` yields
      "mapping"   a dict/mapping whose values are instances of `qual` (the semantic model)
      "value_of"  `mapping.get`/`.pop`: calling it gives an instance of `qual`
      "values_of" `mapping.values`: calling it gives a container of `qual`
      "callback"  `super().attr` (`qual` = project class + "." + attr) where a library base's
                  `attr` calls project overrides back (`SemanticModel.library_callbacks`)
    """

    kind: str
    qual: str
