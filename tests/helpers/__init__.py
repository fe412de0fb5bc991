"""Helpers shared by several test modules (pytest puts tests/ on the path: `from helpers.cli
import tthc`). Fixtures shared by several folders are in tests/conftest.py."""
