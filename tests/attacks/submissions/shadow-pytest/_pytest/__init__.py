"""Attack: a package named _pytest, to shadow pytest's internals."""

raise SystemExit(0)
