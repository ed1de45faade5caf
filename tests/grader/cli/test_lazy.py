"""The root command imports a group's module only when one of its commands is used,
and still lists every command, as registering them all would."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import typer
import typer.main

from grader.cli import COMMANDS

MODULES = {"candidates", "challenge", "grading", "host", "invitations", "regrade", "server"}
MODULES |= {"similar"}

# What a grading does not need: the store, the API, the queue, the similarity library's
# lexers, Prometheus' client. A `grader grade` that imports one of these pays for it.
NOT_FOR_A_GRADING = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "api",
    "grader.store",
    "rq",
    "redis",
    "prometheus_client",
    "pygments.lexers.python",
    "rich",
)


def test_every_command_of_every_group_is_registered_where_it_is() -> None:
    found: dict[str, tuple[str, str, bool]] = {}
    for module_name in MODULES:
        module = importlib.import_module(f"grader.cli.{module_name}")
        for attribute, value in vars(module).items():
            if not isinstance(value, typer.Typer):
                continue
            named = isinstance(value.info.help, str)  # a named group has its own help line
            if named:
                names = [
                    n
                    for n, r in COMMANDS.items()
                    if (r.module, r.attribute) == (module_name, attribute)
                ]
                assert len(names) == 1, (module_name, attribute)
                found[names[0]] = (module_name, attribute, True)
            else:
                for name in typer.main.get_group(value).commands:
                    found[name] = (module_name, attribute, False)
    registered = {n: (r.module, r.attribute, r.group) for n, r in COMMANDS.items()}
    assert found == registered


def test_help_lists_every_command_in_order() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    listed = [
        line.strip("│ ").split()[0]
        for line in done.stdout.split("Commands")[1].splitlines()[1:]
        if line.startswith("│ ") and line.strip("│ ")
    ]
    assert listed == list(COMMANDS)


def test_a_grading_imports_neither_the_store_nor_the_api() -> None:
    """What `grader grade` imports: the root, its command, and what grading it imports."""
    probe = (
        "import json, sys\n"
        "from grader.cli import app\n"
        "import typer.main\n"
        "root = typer.main.get_command(app)\n"
        "root.get_command(None, 'grade')\n"
        "import grader.pipeline, grader.prepare, grader.fetch, grader.report, grader.sandbox\n"
        "import grader.images, grader.engine\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "grader.cli.grading" in loaded and "grader.pipeline" in loaded
    assert "grader.cli.regrade" not in loaded and "grader.cli.server" not in loaded
    wrong = {m for m in loaded for bad in NOT_FOR_A_GRADING if m == bad or m.startswith(bad + ".")}
    assert not wrong, sorted(wrong)


def test_a_worker_imports_neither_the_api_nor_a_webhook_client() -> None:
    """What `grader worker` imports before its first job (Alembic: tests/store)."""
    probe = (
        "import json, sys\n"
        "from grader.cli import app\n"
        "import typer.main\n"
        "typer.main.get_command(app).get_command(None, 'worker')\n"
        "import grader.remote, grader.worker, grader.jobs, grader.store.db\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "grader.worker" in loaded
    unneeded = ("fastapi", "starlette", "uvicorn", "api", "httpx", "rich", "alembic")
    unneeded += ("prometheus_client", "grader.cli.regrade", "grader.cli.similar")
    wrong = {m for m in loaded for bad in unneeded if m == bad or m.startswith(bad + ".")}
    assert not wrong, sorted(wrong)
