"""FPI4xx fixes on layouts the fixture goldens cannot show (the `# error:` marker would sit
inside the rewritten code)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

HEADER = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_email(to: str, subject: str = "") -> None: ...


"""


def fixed(tmp_path: Path, body: str, code: str) -> str:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    target = tmp_path / "app.py"
    target.write_text(HEADER + body)
    proc = run_cli("check", str(target), "--no-cache", "--fix", "--unsafe-fixes", "--select", code)
    assert proc.returncode in (0, 1), proc.stderr
    return target.read_text()[len(HEADER) :]


def test_multi_line_task_call_is_flattened_inside_the_outer_layout(tmp_path: Path) -> None:
    body = """\
@app.post("/a")
def a(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(
        send_email(
            email,
            subject="x",
        ),
    )
"""
    assert fixed(tmp_path, body, "FPI401") == (
        """\
@app.post("/a")
def a(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(
        send_email, email, subject="x",
    )
"""
    )


def test_task_call_with_a_comment_is_left_alone(tmp_path: Path) -> None:
    body = """\
@app.post("/a")
def a(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(
        send_email(
            email,  # why this address
        ),
    )
"""
    assert fixed(tmp_path, body, "FPI401") == body


def test_injected_parameter_keeps_a_multi_line_signature(tmp_path: Path) -> None:
    body = """\
@app.post("/a")
def a(
    email: str,
    limit: int = 1,
):
    tasks = BackgroundTasks()
    tasks.add_task(send_email, email)
"""
    assert fixed(tmp_path, body, "FPI402") == (
        """\
@app.post("/a")
def a(
    email: str,
    limit: int = 1,
    *,
    tasks: BackgroundTasks,
):
    tasks.add_task(send_email, email)
"""
    )
