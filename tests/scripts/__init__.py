"""Tests of the development scripts (scripts/)."""
