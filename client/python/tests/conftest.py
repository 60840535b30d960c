import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's client/python, no install needed

import pytest  # noqa: E402

pytest_plugins = ["nanosim.pytest_plugin"]


@pytest.fixture(scope="session")
def nanosim_options() -> dict:
    return {"providers": ["toapis", "crazyrouter"], "seed": 7}
