"""Docs that state the defaults: the FPI3xx pages list the secret-name patterns and look-alike
words, the FPI1xx pages the catalogued calls of their rule, FPI109's page the offloaders (all
generated from the data the rules use), and `check --show-settings` every rule setting with its
effective value."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from fastapi_lint.rules.blocking import catalog
from fastapi_lint.rules.registry import RULES
from fastapi_lint.rules.secrets.models import LOOKALIKE_WORDS

SECRET_RULES = [r for r in RULES if r.code.startswith("FPI3")]


def page(code: str) -> str:
    return (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")


def test_rule_fpi302_lists_the_secret_defaults() -> None:
    proc = run_cli("rule", "FPI302")
    assert proc.returncode == 0
    text = proc.stdout
    defaults = text[text.index("## Defaults") :]
    for word in ("password", "passwd", "client_secret", "private_key", "salt", "ssn", "cvv"):
        assert f"`{word}`" in defaults, word
    for word in LOOKALIKE_WORDS:
        assert f"`{word}`" in defaults, word
    # The question the issue asks: is `api_key` a secret by default? The page says, and the
    # answer is the policy's own.
    assert "| `api_key` | no |" in defaults
    assert "| `hashed_password` | yes |" in defaults
    assert "| `password_changed_at` | no |" in defaults
    assert "extend-secret-field-patterns" in defaults


@pytest.mark.parametrize("rule", SECRET_RULES, ids=lambda r: r.code)
def test_every_secret_page_states_the_defaults(rule) -> None:
    assert "## Defaults" in page(rule.code)
    assert "| `api_key` | no |" in page(rule.code)


def test_sample_verdicts_follow_the_configured_policy() -> None:
    from fastapi_lint.rules.secrets.defaults_doc import SAMPLE_NAMES
    from fastapi_lint.rules.secrets.models import SecretPolicy

    text = page("FPI301")
    policy = SecretPolicy()
    for name in SAMPLE_NAMES:
        verdict = "yes" if policy.is_secret_name(name) else "no"
        assert f"| `{name}` | {verdict} |" in text


def _category_rules() -> dict[str, str]:
    found = {}
    for rule in RULES:
        category = getattr(rule, "category", "") or getattr(rule, "catalog_category", "")
        if category:
            found[category] = rule.code
    return found


def test_each_catalogued_call_is_on_its_rules_page() -> None:
    rules = _category_rules()
    # Every category the catalog uses has a rule whose page lists it.
    used = {e.category for e in catalog.FUNCTIONS.values()} | {
        t.category for t in catalog.TYPES.values()
    }
    assert used <= set(rules), used - set(rules)
    for qual, entry in catalog.FUNCTIONS.items():
        module, _, name = qual.rpartition(".")
        text = page(rules[entry.category])
        # A module's functions are grouped by what to use instead: one line per group.
        lines = [ln for ln in text.splitlines() if ln.startswith(f"- `{module or 'builtins'}`: ")]
        assert any(f"`{name}`" in ln for ln in lines), (qual, rules[entry.category])
    for qual, spec in catalog.TYPES.items():
        text = page(rules[spec.category])
        line = next(ln for ln in text.splitlines() if ln.startswith(f"- `{spec.label}` ("))
        assert f"`{qual}`" in line
        for method in spec.methods or ():
            assert f"`{method}`" in line, (qual, method)


def test_fpi109_page_lists_the_offloaders() -> None:
    text = page("FPI109")
    for qual in catalog.OFFLOADERS:
        assert f"- `{qual}`" in text


def test_show_settings_prints_every_rule_setting(tmp_path: Path) -> None:
    from fastapi_lint.config import RULE_KEYS

    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\ndependencies = ["fastapi>=0.112,<1"]\n\n'
        '[tool.fastapi-lint.rules]\nextend-secret-field-patterns = ["api_key"]\n'
    )
    proc = run_cli("check", "--show-settings", "--ignore", "FPI101", cwd=root)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rule_lines = {ln.split(" = ")[0]: ln for ln in lines if ln.startswith("rules.")}
    assert sorted(rule_lines) == sorted(f"rules.{k}" for k in RULE_KEYS)
    assert rule_lines["rules.extend-secret-field-patterns"] == (
        'rules.extend-secret-field-patterns = ["api_key"]  # configured'
    )
    assert rule_lines["rules.fastapi-version"].startswith('rules.fastapi-version = "0.112.0"  #')
    assert "the default patterns" in rule_lines["rules.secret-field-patterns"]
    assert "password" in rule_lines["rules.secret-field-patterns"]
    enabled = next(ln for ln in lines if ln.startswith("enabled = "))
    assert '"FPI102"' in enabled and '"FPI101"' not in enabled
    assert '"FPI408"' not in enabled  # opt-in
