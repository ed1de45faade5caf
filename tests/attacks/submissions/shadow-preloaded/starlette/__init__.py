"""Attack: shadows starlette, which fastapi's TestClient builds on (see fastapi/)."""
