"""The wire's plain values: the data types that cross by value, and their JSON shapes.

Part of the wire (grader_wire.py), imported by both sides. Whatever a
candidate subclassed (a ``dict`` whose ``__eq__`` says yes to all), what is
decoded is always a fresh object of the exact builtin or stdlib type, built
from JSON data only; a malformed or unknown shape is a ``WireError``.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import fractions
import pathlib
import uuid
from collections.abc import Callable
from typing import Any

from grader_wire_frames import WireError


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _encode_plain(obj: Any, encode: Callable[[Any], Any]) -> Any:
    """The value types that cross by value, or None for anything else."""
    if isinstance(obj, tuple):
        return {"$": "tuple", "v": [encode(x) for x in obj]}
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {"$": "dict", "v": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, (set, frozenset)):
        return {
            "$": "frozenset" if isinstance(obj, frozenset) else "set",
            "v": [encode(x) for x in obj],
        }
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return {"$": "bytearray" if isinstance(obj, bytearray) else "bytes", "v": _b64(bytes(obj))}
    if isinstance(obj, bool):
        return bool(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return {"$": "float", "v": repr(float(obj))}
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, decimal.Decimal):
        return {"$": "decimal", "v": str(obj)}
    if isinstance(obj, fractions.Fraction):
        return {"$": "fraction", "v": [obj.numerator, obj.denominator]}
    if isinstance(obj, complex):
        return {"$": "complex", "v": [repr(obj.real), repr(obj.imag)]}
    if isinstance(obj, datetime.datetime):
        return {"$": "datetime", "v": obj.isoformat()}
    if isinstance(obj, datetime.date):
        return {"$": "date", "v": obj.isoformat()}
    if isinstance(obj, datetime.time):
        return {"$": "time", "v": obj.isoformat()}
    if isinstance(obj, datetime.timedelta):
        return {"$": "timedelta", "v": [obj.days, obj.seconds, obj.microseconds]}
    if isinstance(obj, uuid.UUID):
        return {"$": "uuid", "v": str(obj)}
    if isinstance(obj, pathlib.PurePath):
        return {"$": "path", "v": str(obj)}
    if isinstance(obj, range):
        return {"$": "range", "v": [obj.start, obj.stop, obj.step]}
    return None


def _decode_plain(tag: str, value: Any, decode: Callable[[Any], Any]) -> Any:
    try:
        return _DECODERS[tag](value, decode)
    except KeyError:
        raise WireError(f"a value of unknown kind {tag!r}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise WireError(f"a malformed {tag}: {exc}") from exc


def _pairs(value: Any, decode: Callable[[Any], Any]) -> dict[Any, Any]:
    return {decode(k): decode(v) for k, v in value}


_DECODERS: dict[str, Callable[[Any, Callable[[Any], Any]], Any]] = {
    "tuple": lambda v, d: tuple(d(x) for x in v),
    "dict": _pairs,
    "set": lambda v, d: {d(x) for x in v},
    "frozenset": lambda v, d: frozenset(d(x) for x in v),
    "bytes": lambda v, d: base64.b64decode(str(v), validate=True),
    "bytearray": lambda v, d: bytearray(base64.b64decode(str(v), validate=True)),
    "float": lambda v, d: float(str(v)),
    "decimal": lambda v, d: decimal.Decimal(str(v)),
    "fraction": lambda v, d: fractions.Fraction(int(v[0]), int(v[1])),
    "complex": lambda v, d: complex(float(str(v[0])), float(str(v[1]))),
    "datetime": lambda v, d: datetime.datetime.fromisoformat(str(v)),
    "date": lambda v, d: datetime.date.fromisoformat(str(v)),
    "time": lambda v, d: datetime.time.fromisoformat(str(v)),
    "timedelta": lambda v, d: datetime.timedelta(int(v[0]), int(v[1]), int(v[2])),
    "uuid": lambda v, d: uuid.UUID(str(v)),
    "path": lambda v, d: pathlib.Path(str(v)),
    "range": lambda v, d: range(int(v[0]), int(v[1]), int(v[2])),
}
