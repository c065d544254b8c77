"""A chapter's tree to JSON and back: the chapter's entry in the build cache.

Compact, since a long dossier has hundreds of thousands of nodes: a node is a list of
its class name and its fields in order, a `Str` is its text alone, tuples are lists.
Decoding follows the fields' types, so a damaged or foreign record is refused
(ValueError) instead of becoming a tree the writers would trip over."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from types import NoneType, UnionType

from . import CiteItem, tree

Json = str | int | bool | None | list["Json"]
Decode = Callable[[object], object]

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (CiteItem, *(v for v in vars(tree).values() if dataclasses.is_dataclass(v)))
    if isinstance(cls, type)
}


def encode(value: object) -> Json:
    kind = type(value)
    if kind is tree.Str:
        return typing.cast(tree.Str, value).text
    if kind is tuple:
        return [encode(v) for v in typing.cast(tuple[object, ...], value)]
    if kind in (str, int, bool) or value is None:
        return typing.cast(Json, value)
    names = _NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value):
            raise TypeError(f"not a tree value: {kind.__name__}")
        names = _NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    # a cold build encodes every node of every chapter: the field names are looked up once
    return [kind.__name__, *[encode(getattr(value, name)) for name in names]]


_NAMES: dict[type, tuple[str, ...]] = {}


def encode_doc(doc: tree.Doc) -> Json:
    return encode(doc)


def decode_doc(data: object) -> tree.Doc:
    """The tree `encode_doc` made; ValueError when `data` is not one."""
    try:
        doc = _node(data)
    except (KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
        raise ValueError(f"not a chapter tree: {exc}") from None
    if not isinstance(doc, tree.Doc):
        raise ValueError("not a chapter tree")
    return doc


def _node(data: object) -> object:
    if isinstance(data, str):
        return tree.Str(data)
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise ValueError("not a node")
    cls = _CLASSES[data[0]]
    fields = _fields(cls)
    if len(data) != len(fields) + 1:
        raise ValueError(f"{data[0]}: {len(data) - 1} fields")
    return cls(*(decode(value) for decode, value in zip(fields, data[1:], strict=True)))


_SCHEMA: dict[type, tuple[Decode, ...]] = {}


def _fields(cls: type) -> tuple[Decode, ...]:
    if cls not in _SCHEMA:
        hints = typing.get_type_hints(cls, vars(tree))
        _SCHEMA[cls] = tuple(_decoder(hints[f.name]) for f in dataclasses.fields(cls))
    return _SCHEMA[cls]


def _decoder(tp: object) -> Decode:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, bool):
        kind = typing.cast(type, tp)

        def scalar(value: object) -> object:
            # bool is an int: a field of one must not take the other
            if type(value) is not kind:
                raise ValueError(f"expected {kind.__name__}")
            return value

        return scalar
    if origin in (typing.Union, UnionType):
        options = [a for a in args if a is not NoneType]
        if NoneType in args and len(options) == 1:
            inner = _decoder(options[0])
            return lambda value: None if value is None else inner(value)
        return _node_of(tuple(typing.cast(type, a) for a in options))  # each names its class
    if origin is tuple:
        item = _decoder(args[0])
        if len(args) == 2 and args[1] is Ellipsis:
            return lambda value: tuple(item(v) for v in _list(value))
        items = [_decoder(a) for a in args]
        return lambda value: tuple(d(v) for d, v in zip(items, _list(value), strict=True))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _node_of((tp,))
    raise TypeError(f"no decoder for {tp!r}")


def _node_of(kinds: tuple[type, ...]) -> Decode:
    """A node that must be one of `kinds` (a note where a note belongs, not a paragraph)."""

    def decode(value: object) -> object:
        node = _node(value)
        if not isinstance(node, kinds):
            raise ValueError(f"{type(node).__name__} where {kinds[0].__name__} belongs")
        return node

    return decode


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value
