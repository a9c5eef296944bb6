"""Framing and the value codec shared by the host, the worker and the sandboxed child.

This file is imported both as `rlvr.sandbox.wire` (host) and as a plain `wire` module inside the
sandbox worker, so it uses the standard library only.

Frames are a 4-byte big-endian length and a payload. Values that come back from untrusted code
are never pickled: `encode` turns plain data (None, bool, int, float, complex, str, bytes, list,
tuple, dict, set, frozenset) into a JSON tree and `decode` rebuilds it, so what the trusted side
compares is plain data whose equality the program cannot override. Instances of subclasses of
those types are converted to the base type through the base type's own C methods (an `int`
subclass with a forged `__eq__` arrives as a plain int). Anything else becomes a handle: an
opaque reference the trusted side can pass back, call, or read attributes of, but never
compares equal to a value.
"""

from __future__ import annotations

import json
import os
import struct

MAX_FRAME = 64 * 1024 * 1024
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


def dumps(message) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


def loads(payload: bytes):
    return json.loads(payload)


def encode(value, handles: list, depth: int = 0):
    """A JSON tree for `value`; unknown objects are appended to `handles` and referenced."""
    if depth > 200:
        raise WireError("value nested deeper than 200 levels")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -_JSON_INT_LIMIT < value < _JSON_INT_LIMIT else ["i", hex(value)]
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
    handles.append(value)
    return ["h", len(handles) - 1, _safe_type_name(value)]


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
            return int(body[0], 16)
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
        if tag == "h":
            return make_handle(int(body[0]), str(body[1]))
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise WireError(f"malformed {tag!r} value: {exc}") from None
    raise WireError(f"unknown value tag {tag!r}")
