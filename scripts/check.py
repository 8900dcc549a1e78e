"""The whole test suite: linters, type check, migrations, architecture, then pytest.

Run by ``./dev test`` (and so by CI). Extra arguments go to pytest. Each step
prints its name; the first failure stops the run with its exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def step(name: str, command: list[str], *, env: dict[str, str] | None = None) -> None:
    print(f"==> {name}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    if result.returncode == 5 and command[0].endswith("pytest"):
        print("pytest collected no tests: that is a failure here.", flush=True)
        sys.exit(5)
    if result.returncode != 0:
        print(f"FAILED: {name} (exit {result.returncode})", flush=True)
        sys.exit(result.returncode)
    print(f"    ok ({time.monotonic() - started:.1f}s)", flush=True)


def main() -> None:
    pytest_args = sys.argv[1:]
    quick = os.environ.get("RAPPORT_SKIP_STATIC") == "1"
    if not quick:
        lint_paths = [p for p in ("src", "tests", "scripts", "benchmarks", "conftest.py") if (ROOT / p).exists()]
        step("ruff", [str(BIN / "ruff"), "check", *lint_paths])
        step("ruff format (one layout)", [str(BIN / "ruff"), "format", "--check", *lint_paths])
        step("mypy (domain code)", [str(BIN / "mypy"), "src/rapport"])
        step("import-linter (dependency direction)", [str(BIN / "lint-imports")])
        # Medium and high findings only (-ll); a justified one carries "# nosec <id>" and a reason above it.
        step("bandit (security lint)", [str(BIN / "bandit"), "-c", "pyproject.toml", "-r", "src/rapport", "-ll", "-q"])
        step(
            "migrations in step",
            [str(BIN / "rapport"), "makemigrations", "--check", "--dry-run"],
            env={"RAPPORT_VAR_DIR": str(ROOT / "var" / "check")},
        )
    step("pytest", [str(BIN / "pytest"), *pytest_args])


if __name__ == "__main__":
    main()
