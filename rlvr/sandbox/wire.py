"""Framing and the value codec shared by the host, the worker and the sandboxed child.

This file is imported both as `rlvr.sandbox.wire` (host) and as a plain `wire` module inside the
sandbox worker, so it uses the standard library only.

Frames are a 4-byte big-endian length and a payload; a reader checks the length against its cap
before it allocates anything, and reads each frame in one pass.

Values that come back from untrusted code are never pickled: `encode` turns them into a JSON tree
and `decode` rebuilds it, so what the trusted side compares is a value of a trusted type whose
equality the program cannot override, whatever the program claimed while it was encoded:

    plain data     None, bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset;
                   an instance of a subclass arrives as the base type, read through the base
                   type's own C methods (an `int` subclass with a forged `__eq__` is a plain int)
    numbers        numpy scalars and arrays as the plain data of `.item()` / `.tolist()`;
                   fractions.Fraction (reduced by the sender) and decimal.Decimal as the same
                   type, rebuilt here; ints up to MAX_INT_BITS, fraction parts up to
                   MAX_FRACTION_BITS (a larger one is a WireError: the value is too large)
    collections    collections.deque as a deque; range, dict keys / values / items views as such
    iterators      a generator, map, filter, zip or any other iterator is run to its end in the
                   child (at most MAX_ITEMS items) and arrives as an iterator over those items

Anything else becomes a handle: an opaque reference the trusted side can pass back, call, or read
attributes of, but never compares equal to a value.
"""

from __future__ import annotations

import collections
import decimal
import fractions
import json
import math
import os
import select
import struct
import sys
import time

MAX_FRAME = 64 * 1024 * 1024
MAX_ITEMS = 1_000_000
# The largest int a value may hold, and the largest numerator or denominator of a Fraction: a
# decoder checks the size before it rebuilds anything, and rebuilds a Fraction without a gcd
# (the program's side reduced it, on the program's time), so decoding stays linear in the frame.
MAX_INT_BITS = 1 << 17
MAX_FRACTION_BITS = 1 << 15
_HEADER = struct.Struct(">I")
# Ints beyond this travel as hex text: json's decimal conversion is capped at 4300 digits.
_JSON_INT_LIMIT = 2**53


class WireError(Exception):
    """A malformed frame or value from the other side."""


def write_frame(fd: int, payload: bytes) -> None:
    """Write one frame to a file descriptor (blocking)."""
    data = _HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd: int, size: int) -> bytes | None:
    """Exactly `size` bytes, or None at end of file."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, limit: int = MAX_FRAME) -> bytes | None:
    """One frame's payload, or None at end of file. WireError for an oversized frame."""
    header = read_exact(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise WireError(f"frame of {size} bytes exceeds the limit of {limit}")
    payload = read_exact(fd, size)
    if payload is None:
        raise WireError("end of file inside a frame")
    return payload


def read_frame_until(fd: int, deadline: float, limit: int) -> bytes:
    """One frame's payload from `fd` before `deadline` (monotonic). The length is checked against
    `limit` before the payload is allocated, and the payload is filled in place: the reader's work
    is linear in the frame. TimeoutError past the deadline, EOFError at end of file, WireError for
    an oversized frame."""
    header = _read_into(fd, bytearray(_HEADER.size), deadline)
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise WireError(f"frame of {size} bytes exceeds the limit of {limit}")
    return bytes(_read_into(fd, bytearray(size), deadline))


def wait_closed(fd: int, deadline: float) -> bool:
    """Read and discard from `fd` until end of file (True: every writer has closed it, for a
    process that means it has exited) or until `deadline` (monotonic; False)."""
    while (remaining := deadline - time.monotonic()) > 0:
        if select.select([fd], [], [], remaining)[0] and not os.read(fd, 1 << 16):
            return True
    return False


def _read_into(fd: int, buffer: bytearray, deadline: float) -> bytearray:
    view, filled = memoryview(buffer), 0
    while filled < len(buffer):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError("no frame before the deadline")
        count = os.readv(fd, [view[filled:]])
        if not count:
            raise EOFError("end of file before a whole frame")
        filled += count
    return buffer


def dumps(message) -> bytes:
    """UTF-8 JSON, unescaped (a replacement character costs 3 bytes, not 6); lone surrogates a
    program's strings may hold pass through."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def loads(payload: bytes):
    return json.loads(payload.decode("utf-8", "surrogatepass"))


def encode(value, handles: list, depth: int = 0):
    """A JSON tree for `value`; unknown objects are appended to `handles` and referenced."""
    if depth > 200:
        raise WireError("value nested deeper than 200 levels")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -_JSON_INT_LIMIT < value < _JSON_INT_LIMIT else ["i", hex(_sized(value, MAX_INT_BITS))]
    if kind is float:
        return ["f", value.hex()]
    if kind is complex:
        return ["c", value.real.hex(), value.imag.hex()]
    if kind in (bytes, bytearray):
        return ["y", bytes(value).hex()]
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        tags: dict[type, str] = {list: "l", tuple: "t", set: "s", frozenset: "F"}
        tag = tags[kind]
        return [tag, [encode(item, handles, depth + 1) for item in value]]
    if kind is dict:
        return ["d", [[encode(k, handles, depth + 1), encode(v, handles, depth + 1)] for k, v in dict.items(value)]]
    base = _builtin_base(value)
    if base is not None:
        return encode(base, handles, depth)
    known = _known_kind(value, handles, depth)
    if known is not None:
        return known
    handles.append(value)
    return ["h", len(handles) - 1, _safe_type_name(value)]


_VIEWS: dict[type, str] = {type({}.keys()): "K", type({}.values()): "V", type({}.items()): "E"}


def _known_kind(value, handles: list, depth: int):
    """The tree of a non-builtin value with a known plain meaning, or None. What the program's
    code answers here is only a claim: every tree holds plain data, rebuilt by `decode` as a
    trusted type."""
    kind = type(value)
    if kind is fractions.Fraction:
        numerator, denominator = _exact_int(value.numerator), _exact_int(value.denominator)
        common = math.gcd(_sized(numerator, MAX_FRACTION_BITS), _sized(denominator, MAX_FRACTION_BITS))
        return ["q", hex(numerator // common), hex(denominator // common)]
    if kind is decimal.Decimal:
        return ["D", decimal.Decimal.__str__(value)]
    if kind is collections.deque:
        maxlen = collections.deque.maxlen.__get__(value)
        return ["Q", [encode(item, handles, depth + 1) for item in list(collections.deque.__iter__(value))], maxlen]
    if kind is range:
        return ["r", encode(value.start, handles), encode(value.stop, handles), encode(value.step, handles)]
    if kind in _VIEWS:
        return [_VIEWS[kind], [encode(item, handles, depth + 1) for item in value]]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, (numpy.generic, numpy.ndarray)):
        plain = value.tolist() if isinstance(value, numpy.ndarray) else value.item()
        if type(plain) is not kind:  # a forged numpy would answer with itself
            return encode(plain, handles, depth + 1)
    if hasattr(kind, "__next__") and hasattr(kind, "__iter__"):
        items: list = []
        for item in value:
            if len(items) == MAX_ITEMS:
                raise WireError(f"iterator longer than {MAX_ITEMS} items")
            items.append(encode(item, handles, depth + 1))
        return ["I", items]
    return None


def _exact_int(value) -> int:
    if type(value) is not int:
        raise WireError("not an int")
    return value


def _sized(value: int, bits: int) -> int:
    if value.bit_length() > bits:
        raise WireError(f"an integer of {value.bit_length()} bits is larger than the {bits} allowed")
    return value


def _hex_int(text, bits: int) -> int:
    """The int written as `text` (hex), its size checked before it is converted."""
    if type(text) is not str or len(text) > bits // 4 + 4:
        raise WireError(f"an integer larger than the {bits} bits allowed")
    return _sized(int(text, 16), bits)


def _coprime_fraction(numerator: int, denominator: int) -> fractions.Fraction:
    """A Fraction of parts the sender reduced, built without a gcd (quadratic in their size); parts
    that were not reduced only make a Fraction equal to nothing it should equal."""
    if denominator <= 0:
        raise WireError("a fraction's denominator must be positive")
    build = getattr(fractions.Fraction, "_from_coprime_ints", None)  # Python 3.12+
    if build is not None:
        return build(numerator, denominator)
    return fractions.Fraction(numerator, denominator, _normalize=False)  # type: ignore[call-overload]


def _builtin_base(value):
    """The plain built-in value inside an instance of a subclass of a built-in type, or None.

    The base type's own methods are used, so overridden methods of the subclass never run."""
    if isinstance(value, bool):
        return bool(int.__int__(value))
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(memoryview(value))
    if isinstance(value, tuple):
        return tuple(tuple.__iter__(value))
    if isinstance(value, list):
        return list(list.__iter__(value))
    if isinstance(value, dict):
        return dict(dict.items(value))
    if isinstance(value, frozenset):
        return frozenset(frozenset.__iter__(value))
    if isinstance(value, set):
        return set(set.__iter__(value))
    return None


def _text(value) -> str:
    if type(value) is not str:
        raise WireError("not a string")
    return value


def _safe_type_name(value) -> str:
    return str(type.__getattribute__(type(value), "__name__"))[:100]


def decode(tree, make_handle, depth: int = 0):
    """Rebuild a value from `encode`'s tree; `make_handle(index, type_name)` builds handles.

    Strict: anything not produced by `encode` raises WireError."""
    if depth > 200:
        raise WireError("value nested deeper than 200 levels")
    if tree is None or type(tree) in (bool, str, int):
        return tree
    if type(tree) is not list or not tree or type(tree[0]) is not str:
        raise WireError(f"malformed value node of type {type(tree).__name__}")
    tag, body = tree[0], tree[1:]
    try:
        if tag == "i":
            return _hex_int(body[0], MAX_INT_BITS)
        if tag == "f":
            return float.fromhex(body[0])
        if tag == "c":
            return complex(float.fromhex(body[0]), float.fromhex(body[1]))
        if tag == "y":
            return bytes.fromhex(body[0])
        if tag in ("l", "t", "s", "F"):
            items = [decode(item, make_handle, depth + 1) for item in body[0]]
            return {"l": list, "t": tuple, "s": set, "F": frozenset}[tag](items)
        if tag == "d":
            return {decode(k, make_handle, depth + 1): decode(v, make_handle, depth + 1) for k, v in body[0]}
        if tag == "q":
            return _coprime_fraction(_hex_int(body[0], MAX_FRACTION_BITS), _hex_int(body[1], MAX_FRACTION_BITS))
        if tag == "D":
            text = _text(body[0])
            if len(text) > MAX_INT_BITS // 3:  # decimal digits of an int of MAX_INT_BITS, roughly
                raise WireError("a Decimal larger than allowed")
            return decimal.Decimal(text)
        if tag == "Q":
            items = [decode(item, make_handle, depth + 1) for item in body[0]]
            return collections.deque(items, None if body[1] is None else int(body[1]))
        if tag == "r":
            return range(*(decode(item, make_handle, depth + 1) for item in body[:3]))
        if tag in ("K", "V", "E", "I"):
            items = [decode(item, make_handle, depth + 1) for item in body[0]]
            if tag == "K":
                return dict.fromkeys(items).keys()
            if tag == "V":
                return dict(enumerate(items)).values()
            return dict(items).items() if tag == "E" else iter(items)
        if tag == "h":
            return make_handle(int(body[0]), str(body[1]))
    except (TypeError, ValueError, IndexError, OverflowError, ZeroDivisionError, decimal.InvalidOperation) as exc:
        raise WireError(f"malformed {tag!r} value: {exc}") from None
    raise WireError(f"unknown value tag {tag!r}")
