"""The practice file format: Markdown with YAML front matter, read with line-exact problems.

A file is `---`, the front matter (every field of PracticeSheet but the body, in its order),
`---`, then the Markdown body. `render_sheet` writes the canonical form; every shipped file is in
that form, so that sync followed by export gives back the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.core.vocabularies import Vocabularies
from app.practices.schemas import PracticeSheet, tidy_text

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FRONT_MATTER_DELIMITER = "---"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at one line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class SheetFile:
    """The outcome of reading one file: the sheet, or the problems that stop it."""

    path: Path
    sheet: PracticeSheet | None = None
    digest: str = ""
    problems: list[Problem] = field(default_factory=list)
    node: yaml.Node | None = field(default=None, repr=False)

    def line_of(self, *loc: str | int) -> int:
        """Return the 1-based file line of a front-matter field (the '---' line is line 1)."""
        return _line_of(self.node, loc) + 2 if self.node is not None else 1


class _Dumper(BaseDumper):  # type: ignore[misc, valid-type]
    """A YAML dumper that writes multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def render_sheet(sheet: PracticeSheet) -> str:
    """Write a sheet in the canonical file form."""
    front = yaml.dump(
        sheet.front_matter(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=False,
    )
    body = tidy_text(sheet.body)
    text = f"{FRONT_MATTER_DELIMITER}\n{front}{FRONT_MATTER_DELIMITER}\n"
    return f"{text}{body}\n" if body else text


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
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


def _message(error: dict[str, Any]) -> str:
    """Say a pydantic error in the words of a sheet author."""
    kind = error["type"]
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return "unknown field"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def read_sheet_text(name: str, raw: bytes, vocab: Vocabularies, max_bytes: int) -> SheetFile:
    """Read one file's bytes into a sheet, collecting every problem with its line."""
    result = SheetFile(path=Path(name), digest=hashlib.sha256(raw).hexdigest())

    def problem(line: int, where: str, message: str) -> SheetFile:
        result.problems.append(Problem(name, line, where, message))
        return result

    if len(raw) > max_bytes:
        return problem(1, "file", f"file is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return problem(
            line,
            "file",
            f"not UTF-8 (byte 0x{raw[error.start]:02x} at offset "
            f"{error.start}); save the file as UTF-8",
        )
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[0].strip() != FRONT_MATTER_DELIMITER:
        return problem(
            1, "front matter", "the file must start with a '---' line and YAML front matter"
        )
    end = next(
        (i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_DELIMITER), None
    )
    if end is None:
        return problem(1, "front matter", "no closing '---' line after the front matter")
    try:
        loader = Loader("\n".join(lines[1:end]))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        detail = getattr(error, "problem", None) or str(error)
        return problem(line, "front matter", f"malformed YAML: {detail}")
    if not isinstance(data, dict):
        return problem(2, "front matter", "the front matter must be a mapping of fields")
    if "body" in data:
        return problem(
            _line_of(node, ("body",)) + 2,
            "body",
            "the body is the Markdown after the front matter, not a field",
        )
    data["body"] = tidy_text("\n".join(lines[end + 1 :]))
    result.node = node
    try:
        result.sheet = PracticeSheet.model_validate(data, context={"vocab": vocab})
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            line = end + 2 if loc[:1] == ("body",) else _line_of(node, loc) + 2
            problem(line, ".".join(str(part) for part in loc) or "front matter", _message(item))
        return result
    if result.sheet.slug != Path(name).stem:
        result.sheet = None
        return problem(
            result.line_of("slug"), "slug", f"must match the file name ({Path(name).stem!r})"
        )
    return result


def read_folder(folder: Path, vocab: Vocabularies, max_bytes: int) -> list[SheetFile]:
    """Read every *.md file of a folder, in name order."""
    return [
        read_sheet_text(str(path), path.read_bytes(), vocab, max_bytes)
        for path in sorted(folder.glob("*.md"))
    ]


def check_across_files(files: list[SheetFile]) -> list[Problem]:
    """Find the problems only the whole set shows: duplicate slugs and unknown related sheets."""
    problems: list[Problem] = []
    first_by_slug: dict[str, SheetFile] = {}
    for item in files:
        if item.sheet is None:
            continue
        other = first_by_slug.setdefault(item.sheet.slug, item)
        if other is not item:
            problems.append(
                Problem(
                    str(item.path),
                    item.line_of("slug"),
                    "slug",
                    f"duplicate slug {item.sheet.slug!r}, also in {other.path}",
                )
            )
    # A file that failed to read still names its sheet by its file name: count that slug as
    # known, so that one broken file is not echoed as an unknown related sheet everywhere.
    known = set(first_by_slug) | {item.path.stem for item in files if item.sheet is None}
    for item in files:
        if item.sheet is None:
            continue
        for index, slug in enumerate(item.sheet.related):
            if slug not in known:
                problems.append(
                    Problem(
                        str(item.path),
                        item.line_of("related", index),
                        f"related.{index}",
                        f"no practice sheet with slug {slug!r} in this folder",
                    )
                )
    return problems
