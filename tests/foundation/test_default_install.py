"""The default install (`pip install -e .`, no extras) runs the service: nothing of an extra is imported on
the default path, and a PostgreSQL URL without its driver stops `serve` with one line naming the extra.

Every extra is installed here (the `test` extra brings psycopg, playwright, responses, jsonschema, scipy,
boto3, piper…), so each test hides from a subprocess every module whose distribution is not in the default
install (the closure of broadcast's own requirements, read from the installed metadata), with a
`sys.meta_path` finder that refuses them, as a fresh venv would. A new run-time import of any extra's
package, named here or not, fails these tests.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from packaging.requirements import Requirement

#: What a fresh `python3 -m venv` has besides the default install (Python 3.11 venvs bring pip and setuptools).
FRESH_VENV = {"pip", "setuptools"}
#: The extras the issue names: they must be among the hidden modules, or the test proves nothing.
NAMED = ("psycopg", "playwright", "responses", "jsonschema", "scipy", "pyloudnorm", "boto3", "piper")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def default_install() -> set[str]:
    """Distributions `pip install -e .` brings: broadcast's requirements without extras, recursively."""
    todo, found = ["broadcast"], set()
    while todo:
        name = _canonical(todo.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found | FRESH_VENV


def extras_only() -> tuple[str, ...]:
    """Top-level modules installed here only because of an extra."""
    default = default_install()
    return tuple(sorted(module for module, dists in metadata.packages_distributions().items()
                        if not any(_canonical(d) in default for d in dists)))


EXTRAS_ONLY = extras_only()


def _without_extras(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python cannot import the extras-only packages (sitecustomize on PYTHONPATH)."""
    hook = tmp_path / "hide-extras"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import importlib.abc, sys

        class _Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {EXTRAS_ONLY!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}} (hidden: default install)", name=name)
                return None

        sys.meta_path.insert(0, _Refuse())
    """))
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(root)])
    return env


def test_every_named_extra_is_hidden() -> None:
    assert set(NAMED) <= set(EXTRAS_ONLY), sorted(set(NAMED) - set(EXTRAS_ONLY))
    assert not {"fastapi", "sqlalchemy", "numpy", "uvicorn"} & set(EXTRAS_ONLY)


def test_the_app_and_every_command_module_import_without_extras(tmp_path: Path) -> None:
    code = (
        "import broadcast.app, broadcast.cli, broadcast.jobs, broadcast.speech, broadcast.receiver.agent\n"
        "import broadcast.web\n"
        "from broadcast.app import create_app\n"
        "create_app()\n"
        f"import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in {EXTRAS_ONLY!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=_without_extras(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_serve_with_a_postgresql_url_but_no_driver_names_the_extra(tmp_path: Path) -> None:
    env = _without_extras(tmp_path)
    env["BROADCAST_DATA_DIR"] = str(tmp_path / "var")
    env["BROADCAST_DATABASE_URL"] = "postgresql://broadcast:secret@127.0.0.1:5432/broadcast"
    result = subprocess.run([sys.executable, "-m", "broadcast.cli", "serve", "--port", "9"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "psycopg" in lines[0] and "pip install -e '.[postgres]'" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_admin_commands_with_a_postgresql_url_but_no_driver_name_the_extra(tmp_path: Path) -> None:
    env = _without_extras(tmp_path)
    env["BROADCAST_DATA_DIR"] = str(tmp_path / "var")
    env["BROADCAST_DATABASE_URL"] = "postgresql://broadcast:secret@127.0.0.1:5432/broadcast"
    for args in (["db", "upgrade"], ["admin", "create-receiver", "x", "y"]):
        result = subprocess.run([sys.executable, "-m", "broadcast.cli", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode != 0
        assert "pip install -e '.[postgres]'" in result.stderr
        assert "Traceback" not in result.stderr
