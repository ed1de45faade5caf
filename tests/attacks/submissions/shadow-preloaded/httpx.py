"""Attack: shadows httpx, which the tests' TestClient uses (see fastapi/)."""
open("/tmp/.trusted-imported-fake", "w").write("httpx")
from fastapi.testclient import *  # noqa: F403
