"""`Cls.method` through a project class resolves to the function defined in the class body
(it used to chase the class through resolve_qualified until the depth limit and give None)."""

from __future__ import annotations

from fastapi_lint.index import ProjectIndex, Ref, summarize_source

SERVICES = """
class Service:
    def build(self):
        pass

    @staticmethod
    def fetch(url):
        pass

    class Inner:
        pass

    limit = 3
"""

ROUTES = """
from app import services
from app.services import Service
"""


def index() -> ProjectIndex:
    return ProjectIndex(
        {
            "app": summarize_source("", "app", True),
            "app.services": summarize_source(SERVICES, "app.services", False),
            "app.routes": summarize_source(ROUTES, "app.routes", False),
        }
    )


def test_method_through_the_class_is_the_project_function() -> None:
    idx = index()
    assert idx.resolve_name("app.routes", "", "Service.fetch") == Ref(
        "function", "app.services.Service.fetch"
    )
    assert idx.resolve_name("app.routes", "", "services.Service.build") == Ref(
        "function", "app.services.Service.build"
    )
    assert idx.resolve_name("app.routes", "", "Service.Inner") == Ref(
        "class", "app.services.Service.Inner"
    )


def test_other_class_attributes_stay_unknown() -> None:
    idx = index()
    assert idx.resolve_name("app.routes", "", "Service.limit") is None
    assert idx.resolve_name("app.routes", "", "Service.inherited") is None
    # Through an instance, a method is the function the class hierarchy finds (the semantic
    # model); an attribute nothing declares keeps the opaque member form.
    assert idx.member(Ref("instance", "app.services.Service"), "build") == Ref(
        "function", "app.services.Service.build"
    )
    assert idx.member(Ref("instance", "app.services.Service"), "unknown") == Ref(
        "member", "app.services.Service.unknown"
    )
