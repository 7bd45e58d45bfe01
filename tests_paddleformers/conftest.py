"""Helpers for the PaddleFormers tests (run in their own environment, `.venv-pf`; see README "PaddleFormers").

PaddleFormers cannot share an environment with PaddleNLP, so these tests live outside `tests/` (which
`pytest.ini` collects in the main, PaddleNLP environment); `.ci/run` runs this folder in `.venv-pf`.
The main tests' helpers are reused from `tests/conftest.py`; `require()` here names the right install command.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

_MAIN = Path(__file__).resolve().parents[1] / "tests" / "conftest.py"
_spec = importlib.util.spec_from_file_location("_paddle_distilroberta_main_conftest", _MAIN)
_main = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_main)

REPO_ROOT = _main.REPO_ROOT
SHARED_DATA = _main.SHARED_DATA
IN_CI = _main.IN_CI
require_path = _main.require_path
roberta_bpe_dir = _main.roberta_bpe_dir  # the fixture (../shared/data/roberta-bpe)

INSTALL = 'python3 -m venv .venv-pf && .venv-pf/bin/pip install "paddlepaddle==3.3.1" -e ".[test,paddleformers]"'


def require(module: str):
    """Import `module`, or skip (locally) / fail (CI=true) with the PaddleFormers install command."""
    try:
        return importlib.import_module(module)
    except Exception as err:  # noqa: BLE001 - a broken install counts as missing
        msg = f"optional component {module!r} is not importable ({err!r}); install it with: {INSTALL}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
