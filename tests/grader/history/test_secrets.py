"""Finding and masking secrets in text, outside any git history."""

from __future__ import annotations

from grader.history.secrets import find_secrets
from tests.grader.history.fixtures import AWS_KEY


def test_find_secrets_masks_and_skips_placeholders() -> None:
    text = (
        f'KEY = "{AWS_KEY}"\nexample = "AKIAIOSFODNN7EXAMPLE"\n'
        'password = "changeme-please-now"\napi_key = "Zq8xW3nR7tK2mP9vL4sJ"\n'
        "token = settings.GITHUB_TOKEN_VALUE\n"
    )
    hits = find_secrets(text, code_file=True, test_file=False)
    assert [(h.kind, h.line) for h in hits] == [
        ("AWS access key ID", 1),
        ("password or API key", 4),
    ]
    assert hits[0].masked == "AKIA… (20 characters)"
    assert hits[1].name == "api_key"
    assert hits[1].masked == "… (20 characters)"
    assert not find_secrets('password = "Zq8xW3nR7tK2mP9vL4sJ"\n', code_file=True, test_file=True)


def test_unquoted_secrets_count_in_config_files_only() -> None:
    line = "API_KEY=Zq8xW3nR7tK2mP9vL4sJ\n"
    assert find_secrets(line, code_file=False, test_file=False)
    assert not find_secrets(line, code_file=True, test_file=False)
