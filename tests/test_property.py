"""Property: on any Python source, the engine never raises and its fixes keep the code compiling.

hypothesmith generates source (from Python's grammar and from LibCST's node types); blocks that
the rules report, with fixes, are spliced in between the generated pieces so the fix loop really
runs on odd surroundings (rebound names, decorators, nested scopes, unusual whitespace).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fastapi_lint.config import load_settings, with_cli_overrides
from fastapi_lint.engine import fix_source, lint_source

pytestmark = pytest.mark.slow

# Each block is a complete top-level snippet that some rule reports (most with a fix).
PATTERNS = [
    "import time\n\nasync def blocking_sleep():\n    time.sleep(1)\n",
    "import requests\n\nasync def blocking_get(u):\n    return requests.get(u).json()\n",
    "from fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\ndef get_db():\n"
    "    yield 1\n\n\n@app.get('/items')\nasync def items(db=Depends(get_db())):\n"
    "    return db\n",
    "from fastapi import BackgroundTasks, FastAPI\n\napi = FastAPI()\n\n\ndef send(x):\n"
    "    return x\n\n\n@api.post('/send')\nasync def send_route(background_tasks: BackgroundTasks,"
    " x: int):\n    background_tasks.add_task(send(x))\n    return {}\n",
    "async def read_file(path):\n    with open(path) as handle:\n        return handle.read()\n",
    "import time as t\n\nclass Worker:\n    async def run(self):\n        value = [t.sleep(0)]\n"
    "        return (t.sleep(1), value)\n",
    "import time\n\nasync def nested():\n    def inner():\n        time.sleep(1)\n"
    "    f = lambda: time.sleep(2)\n    return inner, f, (time.sleep(3) for _ in ())\n",
]

SOURCE = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<property>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@st.composite
def spliced_sources(draw) -> str:
    # One hypothesmith draw per example: its strategies record `target()` observations under
    # fixed labels, which may be made only once per example.
    generated = draw(SOURCE)
    patterns = draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3))
    pieces = [generated if generated.endswith("\n") else generated + "\n", *patterns]
    order = draw(st.permutations(range(len(pieces))))
    return "\n".join(pieces[i] for i in order)


@pytest.fixture(scope="module")
def project() -> tuple[Path, object]:
    root = Path(tempfile.mkdtemp(prefix="fastapi-lint-property-"))
    (root / "pyproject.toml").write_text("[project]\nname = 'prop'\n")
    return root, with_cli_overrides(load_settings(root), extend_select=["ALL"])


def test_patterns_alone_are_fixed(project) -> None:
    """The spliced blocks do trigger fixes, so the property below exercises the fix loop."""
    root, settings_ = project
    text = "\n".join(PATTERNS)
    result = fix_source(text, root / "app.py", settings_, unsafe_fixes=True)
    assert result.fixed_source is not None and result.fixed_source != text
    assert _compiles(result.fixed_source)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    # Bounded for CI: a failure prints its example; shrinking odd generated code can take
    # minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(source=spliced_sources())
def test_engine_never_raises_and_fixes_keep_code_compiling(project, source: str) -> None:
    root, settings_ = project
    path = root / "app.py"
    result = lint_source(source, path, settings_)
    assert not [f for f in result.findings if f.code == "FPI002"], [
        f.message for f in result.findings if f.code == "FPI002"
    ]
    fixed = fix_source(source, path, settings_, unsafe_fixes=True)
    assert not [f for f in fixed.findings if f.code == "FPI002"]
    if _compiles(source):
        assert _compiles(fixed.fixed_source or source), fixed.fixed_source
