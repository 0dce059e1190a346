"""The summary's record of what a route body writes, by name (index.route_writes)."""

from __future__ import annotations

import textwrap

from fastapi_lint.index.summary import summarize_source


def events(source: str, name: str = "route"):
    summary = summarize_source(textwrap.dedent(source), "m", False)
    return summary["functions"][name].get("route_writes")


def test_every_write_by_name_in_source_order() -> None:
    found = events(
        """
        @router.post("/keys")
        async def route(body: KeyIn, db=Depends(get_db)):
            raw = secrets.token_hex(16)
            key = ApiKey(pin=await mask_pin(body.pin), note=body.note, code="****")
            key.token = f"tk_{raw}"
            out = {"api_key": raw, "other": None}
            out["digest"] = hash_of(raw)
            return key
        """
    )
    assert found == [
        ["local", "raw", ["g", ["secrets.token_hex"], []]],
        ["local", "key", ["g", ["ApiKey", "mask_pin"], []]],
        ["kw", "ApiKey", [["pin", ["m"]], ["note", ["d", "body.note", []]], ["code", ["m"]]]],
        ["attr", "token", ["g", [], ["raw"]]],
        ["local", "out", ["g", [], ["raw"]]],
        ["key", "api_key", ["n", "raw"]],
        ["key", "other", ["m"]],
        ["key", "digest", ["g", ["hash_of"], ["raw"]]],
    ]


def test_nested_scopes_run_elsewhere_and_plain_functions_get_no_record() -> None:
    source = """
        @app.get("/")
        def route():
            def inner():
                token = "secret"
                return {"token": token}
            handler = lambda: {"token": "t"}
            return {"name": "n"}

        def helper():
            return {"token": "t"}
        """
    assert events(source) == [["local", "handler", ["g", [], []]], ["key", "name", ["o"]]]
    assert events(source, "helper") is None
    assert events(source, "route.inner") is None
