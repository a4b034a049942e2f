"""The browser tests use the book built by tests/book."""

from ..book.conftest import built_book  # noqa: F401
