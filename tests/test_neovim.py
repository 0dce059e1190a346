"""An editor beyond the test client: headless Neovim, configured with the README's Neovim
snippet for its version (0.11+: `vim.lsp.config`; 0.7 to 0.10: the autocommand), opens a file
with a finding, waits for the server's diagnostics, asks for code actions at the finding and
applies the quick fix; the buffer text is then checked. Skipped when `nvim` is not installed
(`.ci/run` installs Debian's package when it can)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

NVIM = shutil.which("nvim")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        NVIM is None, reason="nvim is not installed (Debian: apt-get install neovim)"
    ),
]

APP = textwrap.dedent(
    """\
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/")
    async def root():
        time.sleep(1)
        return {}
    """
)

# Test-only Lua, after the README's configuration: wait for the diagnostics, ask for the code
# actions at the first one, apply the quick fix that replaces the call, write what happened.
HARNESS = textwrap.dedent(
    """\
    function FastapiLintTest(out)
      local buf = vim.api.nvim_get_current_buf()
      local ready = vim.wait(180000, function()
        return #vim.diagnostic.get(buf) > 0
      end, 100)
      local result = { ready = ready, diagnostics = {}, titles = {}, clients = {} }
      for _, client in pairs(vim.lsp.get_active_clients()) do
        table.insert(result.clients, client.name)
      end
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        local lsp = d.user_data and d.user_data.lsp or {}
        table.insert(result.diagnostics, {
          code = d.code or lsp.code, lnum = d.lnum, col = d.col, message = d.message,
        })
      end
      local first = vim.diagnostic.get(buf)[1]
      if first then
        local params = {
          textDocument = { uri = vim.uri_from_bufnr(buf) },
          range = {
            start = { line = first.lnum, character = first.col },
            ["end"] = { line = first.end_lnum, character = first.end_col },
          },
          context = { diagnostics = {}, only = { "quickfix" } },
        }
        local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 180000)
        for client_id, response in pairs(responses or {}) do
          for _, action in ipairs(response.result or {}) do
            table.insert(result.titles, action.title)
            if result.applied == nil and action.edit and action.title:find("asyncio.sleep", 1, true) then
              local client = vim.lsp.get_client_by_id(client_id)
              vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
              result.applied = action.title
            end
          end
        end
      end
      result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      local handle = io.open(out, "w")
      handle:write(vim.fn.json_encode(result))
      handle:close()
      vim.cmd("qa!")
    end
    """
)


def nvim_version() -> tuple[int, int]:
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"NVIM v(\d+)\.(\d+)", first)
    assert match, first
    return int(match[1]), int(match[2])


def readme_config(version: tuple[int, int]) -> str:
    """The README's Neovim snippet for this version: the first Lua block of the Neovim part is
    for 0.11 and later, the second for 0.7 to 0.10."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    part = readme[readme.index("**Neovim**") : readme.index("**Any other client**")]
    blocks = re.findall(r"```lua\n(.*?)```", part, flags=re.S)
    assert len(blocks) == 2, "the README's Neovim part should hold two Lua blocks"
    return blocks[0] if version >= (0, 11) else blocks[1]


def test_neovim_shows_the_diagnostic_and_applies_the_quick_fix(tmp_path: Path) -> None:
    version = nvim_version()
    if version < (0, 7):
        pytest.skip(f"Neovim {version} has no built-in LSP client for the README's setup")
    project = tmp_path / "proj"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (project / "app" / "__init__.py").write_text("")
    main = project / "app" / "main.py"
    main.write_text(APP)
    init = tmp_path / "init.lua"
    init.write_text(readme_config(version) + "\n" + HARNESS)
    out = tmp_path / "result.json"
    env = dict(os.environ)
    # `fastapi-lint` as the README's `cmd` names it: the one installed next to this Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env.pop("FASTAPI_LINT_CACHE_DIR", None)
    proc = subprocess.run(
        [
            NVIM,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(main),
            "-c",
            f"lua FastapiLintTest({json.dumps(str(out))})",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert out.exists(), f"Neovim wrote no result: {proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text())
    assert result["clients"] == ["fastapi_lint"]
    assert result["ready"], result
    (diagnostic,) = result["diagnostics"]
    assert diagnostic["code"] == "FPI101"
    # 0-based, as Neovim keeps them: `time.sleep(1)` on line 10, column 5.
    assert (diagnostic["lnum"], diagnostic["col"]) == (9, 4)
    assert "time.sleep()" in diagnostic["message"]
    assert "Disable FPI101 for this line" in result["titles"]
    assert result["applied"] == "Replace with `await asyncio.sleep(...)` (unsafe)"
    text = "\n".join(result["lines"]) + "\n"
    assert "    await asyncio.sleep(1)\n" in text and "import asyncio\n" in text
    assert "time.sleep(" not in text
    # The buffer is what the CLI's fix writes for the same finding.
    copy = project / "app" / "copy.py"
    copy.write_text(APP)
    run_cli(
        "check",
        "--no-cache",
        "--select",
        "FPI101",
        "--fix",
        "--unsafe-fixes",
        str(copy),
        cwd=project,
    )
    assert text == copy.read_text()
    # Neovim changed its buffer only; the file on disk is as it was.
    assert main.read_text() == APP
