"""Tests of the soak test's parts that need no service (scripts/soak/)."""
