from orders.errors import DuplicateError, InsufficientStock, InvalidOrder, NotFound, OrderError
from orders.models import Order, OrderLine
from orders.store import OrderStore

__all__ = ["DuplicateError", "InsufficientStock", "InvalidOrder", "NotFound", "Order",
           "OrderError", "OrderLine", "OrderStore"]
