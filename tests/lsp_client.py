"""A minimal LSP client for tests: starts `fastapi-lint server` and speaks JSON-RPC over its stdio
as an editor does. Standard library only, so it tests the server and not a client library."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LSPClient:
    def __init__(self, cwd: Path | None = None) -> None:
        env = dict(os.environ, NO_COLOR="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fastapi_lint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Condition()
        self.ids = itertools.count(1)
        self.versions: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    # -- transport ------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            with self.lock:
                self.messages.append(json.loads(body.decode("utf-8")))
                self.lock.notify_all()

    def _send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 120) -> Any:
        request_id = next(self.ids)
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        reply = self.wait_for(lambda m: m.get("id") == request_id and "method" not in m, timeout)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 120, start: int = 0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for message in self.messages[start:]:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    stderr = ""
                    if self.proc.poll() is not None and self.proc.stderr is not None:
                        stderr = self.proc.stderr.read().decode("utf-8", "replace")
                    raise TimeoutError(f"no matching message in {timeout}s; stderr: {stderr}")
                self.lock.wait(remaining)

    def mark(self) -> int:
        """A position in the message log; wait_for(start=mark) sees only later messages."""
        with self.lock:
            return len(self.messages)

    # -- editor actions -------------------------------------------------------------------

    def initialize(self, root: Path, capabilities: dict[str, Any] | None = None) -> dict:
        caps = capabilities or {
            "workspace": {"workspaceEdit": {"documentChanges": True}},
            "textDocument": {
                "publishDiagnostics": {"versionSupport": True},
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}
                    }
                },
            },
        }
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": caps,
            },
        )
        self.notify("initialized", {})
        return result

    def diagnostics_after(self, uri: str, start: int, timeout: float = 120) -> dict[str, Any]:
        message = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            ),
            timeout,
            start,
        )
        return message["params"]

    def open(self, path: Path, text: str | None = None) -> list[dict[str, Any]]:
        uri = path.as_uri()
        start = self.mark()
        self.versions[uri] = 1
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8") if text is None else text,
                }
            },
        )
        return self.diagnostics_after(uri, start)["diagnostics"]

    def change(self, path: Path, text: str) -> list[dict[str, Any]]:
        """Replaces the whole text (a full-document change event) and waits for diagnostics of
        the new version."""
        uri = path.as_uri()
        self.versions[uri] += 1
        version = self.versions[uri]
        start = self.mark()
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}],
            },
        )
        message = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            120,
            start,
        )
        return message["params"]["diagnostics"]

    def code_actions(
        self, path: Path, rng: dict, diagnostics: list[dict], only: list[str] | None = None
    ) -> list[dict[str, Any]]:
        context: dict[str, Any] = {"diagnostics": diagnostics}
        if only is not None:
            context["only"] = only
        return (
            self.request(
                "textDocument/codeAction",
                {"textDocument": {"uri": path.as_uri()}, "range": rng, "context": context},
            )
            or []
        )

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait(10)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Applies LSP TextEdits (UTF-16 positions) to `text`, as an editor would."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        if position["line"] >= len(lines):
            return len(text)
        line = lines[position["line"]]
        units = 0
        for index, char in enumerate(line):
            if units >= position["character"]:
                return starts[position["line"]] + index
            units += 2 if ord(char) > 0xFFFF else 1
        return starts[position["line"]] + len(line.rstrip("\r\n"))

    for edit in sorted(
        edits,
        key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
        reverse=True,
    ):
        begin, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:begin] + edit["newText"] + text[end:]
        lines = text.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
    return text


def workspace_edits(action: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    edit = action["edit"]
    if "documentChanges" in edit:
        return [e for change in edit["documentChanges"] for e in change["edits"]]
    return edit["changes"][uri]
