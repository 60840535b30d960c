"""pytest fixtures for nanosim: ``nanosim_server`` (one program per test session) and ``nanosim`` (the same program,
reset before each test). Enable with ``pytest -p nanosim.pytest_plugin`` or ``pytest_plugins = ["nanosim.pytest_plugin"]``.
Options for the program: a ``nanosim_options`` fixture returning Nanosim's keyword arguments (override it in your
conftest.py), e.g. ``{"providers": ["gemini"], "seed": 7}``."""

from __future__ import annotations

from typing import Iterator

import pytest

from . import Nanosim


@pytest.fixture(scope="session")
def nanosim_options() -> dict:
    return {}


@pytest.fixture(scope="session")
def nanosim_server(nanosim_options: dict) -> Iterator[Nanosim]:
    with Nanosim(**nanosim_options) as sim:
        yield sim


@pytest.fixture
def nanosim(nanosim_server: Nanosim) -> Nanosim:
    nanosim_server.reset()
    return nanosim_server
