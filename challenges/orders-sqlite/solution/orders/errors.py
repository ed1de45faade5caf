"""Errors raised by the order store."""


class OrderError(Exception):
    """Base class of every error the store raises on purpose."""


class NotFound(OrderError):
    """A customer, product or order does not exist."""


class DuplicateError(OrderError):
    """A unique value (customer email, product SKU) is already taken."""


class InsufficientStock(OrderError):
    """A product has fewer units in stock than an order asks for."""


class InvalidOrder(OrderError):
    """The request is malformed (no lines, a quantity < 1, a product listed twice)
    or not allowed in the order's state (cancelling a cancelled order)."""
