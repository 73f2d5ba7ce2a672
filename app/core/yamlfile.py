"""Reading YAML that people write: every problem reported with its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext as _
from flask_babel import ngettext

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at one line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class YamlProblem(ValueError):
    """A file that cannot be read as YAML at all; `line` is 1-based within the YAML text."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


def decode(raw: bytes, max_bytes: int) -> str:
    """Decode a file's bytes as UTF-8 within a size limit, or raise YamlProblem."""
    if len(raw) > max_bytes:
        raise YamlProblem(
            1,
            "file",
            _("file is %(size)s bytes; the limit is %(limit)s", size=len(raw), limit=max_bytes),
        )
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlProblem(
            line,
            "file",
            _(
                "not UTF-8 (byte 0x%(byte)02x at offset %(offset)s); save the file as UTF-8",
                byte=raw[error.start],
                offset=error.start,
            ),
        ) from None


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))


# A plain scalar's implicit resolvers by its first character, the wildcard ones appended, as
# BaseResolver.resolve looks them up on every call.
_IMPLICIT = {
    first: [*resolvers, *Loader.yaml_implicit_resolvers.get(None, [])]
    for first, resolvers in Loader.yaml_implicit_resolvers.items()
    if first is not None
}
_WILDCARD = Loader.yaml_implicit_resolvers.get(None, [])
# _RepeatSpotter answers for a loader without them.
assert not Loader.yaml_path_resolvers


class _RepeatSpotter(Loader):  # type: ignore[misc, valid-type]
    """libyaml's loader, noting whether a mapping names one key twice (PyYAML keeps the last).

    libyaml's composer calls back into Python for each node's tag (resolve) and path
    (descend_resolver, ascend_resolver): a third of a file's reading time went to those calls.
    The safe loader has no path resolvers, so the path calls do nothing and a tag depends
    on the scalar alone: the same answers as BaseResolver's, in fewer steps.
    """

    repeats = False

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Do nothing: there are no path resolvers to follow."""

    def ascend_resolver(self) -> None:
        """Do nothing: there are no path resolvers to follow."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        """Return a node's tag exactly as BaseResolver.resolve does without path resolvers."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(keys) != len(set(keys)):
            self.repeats = True
        return super().construct_mapping(node, deep=deep)


class _Unusual(Exception):
    """A node that _plain_data leaves to PyYAML's constructor (an alias, a merge, a tag)."""


def _plain_data(loader: _RepeatSpotter, node: yaml.Node, seen: set[int]) -> Any:
    """Build the data of a tree of plain mappings, lists and scalars, as PyYAML's constructor
    would, in a fraction of its time (most of a file's reading time went to its machinery)."""
    kind = type(node)
    if kind is yaml.ScalarNode:
        return node.value if node.tag == _STR else loader.construct_object(node)
    if id(node) in seen:  # an alias: shared or recursive data is PyYAML's to build
        raise _Unusual
    seen.add(id(node))
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        return [
            item.value
            if type(item) is yaml.ScalarNode and item.tag == _STR
            else _plain_data(loader, item, seen)
            for item in node.value
        ]
    if kind is not yaml.MappingNode or node.tag != _MAP:
        raise _Unusual
    data = {}
    for key, value in node.value:
        if type(key) is not yaml.ScalarNode or key.tag.endswith((":merge", ":value")):
            raise _Unusual
        # A string is most values: taken here, without a call per value.
        data[key.value if key.tag == _STR else loader.construct_object(key)] = (
            value.value
            if type(value) is yaml.ScalarNode and value.tag == _STR
            else _plain_data(loader, value, seen)
        )
    if len(data) != len(node.value):
        loader.repeats = True
    return data


def load(text: str) -> tuple[Any, bool]:
    """Parse YAML text into data with libyaml, keeping no node tree; also tell whether some
    mapping repeats a key (repeated_keys, on compose's tree, says where)."""
    try:
        loader = _RepeatSpotter(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, False
            try:
                return _plain_data(loader, node, set()), loader.repeats
            except _Unusual:
                loader.repeats = False
                return loader.construct_document(node), loader.repeats
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise _yaml_problem(error) from None


def _yaml_problem(error: yaml.YAMLError) -> YamlProblem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    detail = getattr(error, "problem", None) or str(error)
    return YamlProblem(line, "yaml", _("malformed YAML: %(detail)s", detail=detail))


def repeated_keys(node: yaml.Node | None) -> list[tuple[tuple[str | int, ...], int, int]]:
    """Find every key a mapping of the tree names again: its path, and the 0-based lines of
    the repeat and of the key's first appearance."""
    found: list[tuple[tuple[str | int, ...], int, int]] = []
    # An alias shares its anchor's node, and may even contain it: walk each node once.
    seen: set[int] = set()

    def walk(node: yaml.Node | None, loc: tuple[str | int, ...]) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name is None:
                    continue
                if name in first:
                    found.append(((*loc, name), key.start_mark.line, first[name]))
                else:
                    first[name] = key.start_mark.line
                walk(value, (*loc, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    walk(node, ())
    return found


def compose(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text into data and the node tree that knows every value's line."""
    try:
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise _yaml_problem(error) from None
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """Find the 0-based line of the deepest node on a validation error's path."""
    line = node.start_mark.line if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line, match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line
        else:
            return line
    return line


def pydantic_message(error: dict[str, Any]) -> str:
    """Say a pydantic error in the words of a person editing a file or a form."""
    kind = error["type"]
    context = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return _("missing required field")
    if kind == "extra_forbidden":
        return _("unknown field")
    if kind == "too_short":
        count = context.get("min_length") or 0
        return ngettext("Give at least one.", "Give at least %(num)d.", count)
    if kind == "string_too_short":
        if not given:
            return _("Fill this in.")
        return _("Use at least %(num)s characters.", num=context.get("min_length"))
    if kind == "string_too_long":
        return _("Use at most %(num)s characters.", num=context.get("max_length"))
    if kind == "too_long":
        return _("Give at most %(num)s.", num=context.get("max_length"))
    if kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        if pattern.startswith("^[a-z0-9]"):
            return _("Use lowercase letters, digits and hyphens, e.g. peer-learning-circle.")
        if "https?" in pattern:
            return _("Give a web address starting with http:// or https://.")
    if kind in ("int_type", "int_parsing", "int_from_float") and given in (None, ""):
        return _("Choose one.")
    if kind == "string_type" and given is None:
        return _("Fill this in.")
    if kind in ("greater_than_equal", "less_than_equal"):
        low, high = context.get("ge"), context.get("le")
        if (low, high) == (1, 3) or (kind == "less_than_equal" and high == 3):
            return _("Choose a level from 1 to 3, not %(given)r.", given=given)
        if kind == "greater_than_equal":
            return _("Must be at least %(low)s, not %(given)r.", low=low, given=given)
        return _("Must be at most %(high)s, not %(given)r.", high=high, given=given)
    return str(error["msg"]).removeprefix("Value error, ")
