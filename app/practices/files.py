"""The practice file format: Markdown with YAML front matter, read with line-exact problems.

A file is `---`, the front matter (every field of PracticeSheet but the body, in its order),
`---`, then the Markdown body. `render_sheet` writes the canonical form; every shipped file is in
that form, so that sync followed by export gives back the same bytes.

A translation is `<slug>.<language>.md` beside the English `<slug>.md` (`fi`, `sv`): the same
fields, of which only the prose is translated (see schemas.translation_differences).

A sync reads only what changed: each file's digest joins a hash of its bytes to a fingerprint of
the rules it is read under (the vocabularies, the code and libraries that parse, validate and
render a sheet), and a file whose digest is the one the database kept from the last sync is not
read again (see read_folder). A change of the rules changes every digest, so every file is
checked again.

A file read is parsed by libyaml into plain data, with no node tree kept: a tree, which knows
each value's line, is composed again only to place a problem (SheetFile.line_of). A key given
twice in a mapping is a problem (PyYAML would keep the last value). `--check` renders nothing:
a valid body cannot fail to render (markdown-it takes any text, and its time is bounded by
BODY_MAX_CHARS and its nesting limit), so only a sync renders.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app
from pydantic import ValidationError

from app.core.i18n import DEFAULT_LANGUAGE
from app.core.markdown import render_markdown
from app.core.vocabularies import Vocabularies
from app.core.yamlfile import (
    Problem,
    YamlProblem,
    compose,
    decode,
    line_of,
    load,
    pydantic_message,
    repeated_keys,
)
from app.practices.models import TRANSLATION_LANGUAGES
from app.practices.schemas import (
    MARKER_CHARACTERS,
    WITHOUT_MARKERS,
    Difference,
    PracticeSheet,
    tidy_text,
    translation_differences,
)

BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FRONT_MATTER_DELIMITER = "---"


@dataclass
class SheetFile:
    """The outcome of reading one file: the sheet, or the problems that stop it."""

    path: Path
    # The sheet, while in the process that read it: a reader sends back its outline (slug,
    # related) and rows instead, as pickling the model cost more than making it.
    sheet: PracticeSheet | None = None
    # The outline of a valid sheet, all the checks across files read: empty if not valid.
    slug: str = ""
    related: list[str] = field(default_factory=list)
    digest: str = ""
    # The body rendered as it is read, so that a sync renders nothing while it writes.
    body_html: str = ""
    # What a sync writes of the file (its rows as plain data), made by read_folder's
    # `prepare` in the reader, which has the sheet at hand (and may be one of several).
    rows: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    problems: list[Problem] = field(default_factory=list)
    # The front matter's node tree, which knows each value's line: composed only to place a
    # problem (see line_of), as a tree costs ten times its data in memory and in pickling.
    node: yaml.Node | None = field(default=None, repr=False, compare=False)
    # "en" for a sheet, else the language of a translation (from the file name).
    language: str = DEFAULT_LANGUAGE
    # The file is as it was at the last sync, under the same rules: known valid, not read.
    skipped: bool = False
    # A translation's differences from its English sheet, when its reader had that sheet at
    # hand (see _read_chunk); None: not compared yet.
    differences: list[Difference] | None = field(default=None, repr=False, compare=False)
    # The bytes read, to place a problem found later; read_folder drops them (and the file is
    # read again from `path` if need be) so that a large folder is not held in memory.
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def valid(self) -> bool:
        """Tell whether the file was read and found valid on its own."""
        return bool(self.slug)

    @property
    def name_slug(self) -> str:
        """Return the slug the file name gives (`<slug>.md`, `<slug>.<language>.md`)."""
        return self.path.name.split(".", 1)[0]

    @property
    def is_translation(self) -> bool:
        """Tell whether the file is a translation of an English sheet."""
        return self.language != DEFAULT_LANGUAGE

    def line_of(self, *loc: str | int) -> int:
        """Return the 1-based file line of a front-matter field (the '---' line is line 1)."""
        if self.node is None:
            self.node = _front_matter_node(self.raw or _bytes_of(self.path))
        return line_of(self.node, loc) + 2 if self.node is not None else 1


def _bytes_of(path: Path) -> bytes:
    """Return a file's bytes, or none if it cannot be read (its reader reports why)."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return b""


def _front_matter_node(raw: bytes) -> yaml.Node | None:
    """Compose the node tree of a file's front matter, or None if it has none."""
    try:
        split = _split(decode(raw, len(raw)))
        return compose(split[0])[1] if split is not None else None
    except YamlProblem:
        return None


# A line that is '---' but for blanks around it (str.strip's, which are \s's), \n ending it.
_DELIMITER_LINE = re.compile(r"^[^\S\n]*---[^\S\n]*$", re.MULTILINE)


def _split(text: str) -> tuple[str, int, str] | None:
    """Cut a file's text into its front matter, the 0-based index of the closing '---' line
    and the text after that line; None when there is no front matter between two '---' lines.

    Found in the text as it is: splitting a whole file into lines was a tenth of its reading.
    """
    text = text.replace("\r\n", "\n")
    first = text.split("\n", 1)[0]
    if first.strip() != FRONT_MATTER_DELIMITER:
        return None
    start = len(first) + 1
    closing = _DELIMITER_LINE.search(text, start) if start <= len(text) else None
    if closing is None:
        return None
    front = text[start : max(start, closing.start() - 1)]
    return front, text.count("\n", 0, closing.start()), text[closing.end() + 1 :]


@lru_cache(maxsize=256)
def _render(body: str) -> str:
    """Render a body, once for each text: variants and translations often share theirs."""
    return str(render_markdown(body))


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


# The modules whose code decides how a file reads: a change in one re-checks every file.
_RULES_MODULES = (
    "app.core.markdown",
    "app.core.validation",
    "app.core.yamlfile",
    "app.practices.files",
    "app.practices.schemas",
)
_RULES_LIBRARIES = ("markdown-it-py", "nh3", "pydantic", "pydantic-core", "PyYAML")
# Hex digits of a digest that come from the file's bytes (160 bits) and from the rules.
_BYTES_DIGITS = 40
_RULES_DIGITS = 24


def rules_fingerprint(vocab: Vocabularies, max_bytes: int) -> str:
    """Hash everything but its bytes that decides whether a file is valid and how it reads."""
    rules = hashlib.sha256(_code_fingerprint().encode("ascii"))
    rules.update(json.dumps(vocab.translations, sort_keys=True).encode("utf-8"))
    rules.update(str(max_bytes).encode("ascii"))
    return rules.hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash the code that reads a file: its modules here and the libraries' versions."""
    code = hashlib.sha256()
    for name in _RULES_LIBRARIES:
        try:
            code.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            code.update(f"{name}=none".encode())
    for module in _RULES_MODULES:
        source = getattr(sys.modules.get(module), "__file__", None)
        code.update(Path(source).read_bytes() if source else module.encode("ascii"))
    return code.hexdigest()


def file_digest(raw: bytes, fingerprint: str) -> str:
    """Return a file's digest: a hash of its bytes, then the fingerprint of the rules."""
    return hashlib.sha256(raw).hexdigest()[:_BYTES_DIGITS] + fingerprint[:_RULES_DIGITS]


def same_bytes(stored: str | None, digest: str) -> bool:
    """Tell whether a stored digest is of the same bytes as `digest`, under any rules.

    A digest stored before rules were part of it (a plain sha256) starts with the same digits.
    """
    return stored is not None and stored[:_BYTES_DIGITS] == digest[:_BYTES_DIGITS]


def read_sheet_text(
    name: str,
    raw: bytes,
    vocab: Vocabularies,
    max_bytes: int,
    *,
    digest: str | None = None,
    render: bool = True,
) -> SheetFile:
    """Read one file's bytes into a sheet, collecting every problem with its line.

    `digest` is file_digest(raw, ...) when the caller has it (else a sha256 of the bytes);
    with `render=False` the body is not rendered (a check, or a sync that renders only the
    sheets it writes).
    """
    result = SheetFile(path=Path(name), digest=digest or hashlib.sha256(raw).hexdigest(), raw=raw)

    def problem(line: int, where: str, message: str) -> SheetFile:
        result.problems.append(Problem(name, line, where, message))
        return result

    parts = result.path.name.removesuffix(".md").split(".")
    if len(parts) > 1:
        result.language = parts[-1]
        if len(parts) > 2 or result.language not in TRANSLATION_LANGUAGES:
            return problem(
                1,
                "language",
                f"unknown language {'.'.join(parts[1:])!r} in the file name; a translation is "
                f"named <slug>.<language>.md with a language of "
                f"{', '.join(TRANSLATION_LANGUAGES)}",
            )

    try:
        text = decode(raw, max_bytes)
    except YamlProblem as error:
        return problem(error.line, error.field, error.message)
    if text.split("\n", 1)[0].strip() != FRONT_MATTER_DELIMITER:
        return problem(
            1, "front matter", "the file must start with a '---' line and YAML front matter"
        )
    split = _split(text)
    if split is None:
        return problem(1, "front matter", "no closing '---' line after the front matter")
    front, end, after = split
    # libyaml's data without a node tree: the tree is composed (result.line_of) only to place
    # a problem, which a valid file does not have.
    try:
        data, repeats = load(front)
    except YamlProblem as error:
        # The front matter starts on the file's second line.
        return problem(error.line + 1, "front matter", error.message)
    if not isinstance(data, dict):
        return problem(2, "front matter", "the front matter must be a mapping of fields")
    if "body" in data:
        return problem(
            result.line_of("body"),
            "body",
            "the body is the Markdown after the front matter, not a field",
        )
    if repeats:
        # PyYAML keeps the last of a key's values: refuse the file rather than guess.
        if result.node is None:
            result.node = compose(front)[1]
        for loc, line, first in repeated_keys(result.node):
            problem(
                line + 2,
                ".".join(str(part) for part in loc),
                f"repeated key {loc[-1]!r} (first on line {first + 2}); give each key once",
            )
    # Tidied by the sheet's own validator (tidy_text), as a body from any source is.
    data["body"] = after
    try:
        context = {"vocab": vocab, WITHOUT_MARKERS: not any(c in text for c in MARKER_CHARACTERS)}
        sheet = PracticeSheet.model_validate(data, context=context)
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            line = end + 2 if loc[:1] == ("body",) else result.line_of(*loc)
            problem(
                line, ".".join(str(part) for part in loc) or "front matter", pydantic_message(item)
            )
        return result
    if result.problems:
        return result
    if sheet.slug != result.name_slug:
        return problem(
            result.line_of("slug"), "slug", f"must match the file name ({result.name_slug!r})"
        )
    result.sheet, result.slug, result.related = sheet, sheet.slug, list(sheet.related)
    if render:
        result.body_html = _render(sheet.body)
    return result


@dataclass(frozen=True)
class LastSync:
    """What the database keeps of the last sync, for read_folder to skip unchanged files.

    `digests`: by file name (`<slug>.md`, `<slug>.<language>.md`), the digest each listed
    sheet and each of its translations was last synced from; `listed`: the slugs listed now.
    """

    digests: Mapping[str, str | None]
    listed: frozenset[str]


def read_folder(
    folder: Path,
    vocab: Vocabularies,
    max_bytes: int,
    *,
    last_sync: LastSync | None = None,
    render: bool = True,
    workers: int = 1,
    prepare: Callable[[SheetFile], dict[str, Any]] | None = None,
) -> list[SheetFile]:
    """Read every *.md file of a folder, in name order, skipping what the last sync read.

    A file is skipped (not parsed, validated or rendered) when its digest is the one the last
    sync kept: its bytes and the rules are the same, so it is still valid on its own. Across
    files, a skipped sheet's related sheets are still there when every listed sheet still has
    its file (a listed sheet was synced from the last folder, or made in the browser since);
    otherwise every file is read. A sheet and its translations are skipped together or read
    together, so that a changed one is compared with the others. A withdrawn sheet is not in
    `last_sync`: its file is read before it is listed again.

    With `workers` above 1, many files are read by that many forked processes: the caller
    makes sure that no open database connection is there for them to inherit. No more than
    one file's bytes are held at a time here: a file to read is read again by its reader.
    `prepare`, given, makes each valid file's `rows` as it is read (in the readers).
    """
    fingerprint = rules_fingerprint(vocab, max_bytes)
    # By name, as strings: the same order as the paths' (one folder), a tenth of the time.
    paths = sorted(folder.glob("*.md"), key=lambda path: path.name)
    # A path's name is worked out on each use: once here, for the tens of thousands of uses.
    file_names = [path.name for path in paths]
    skipped: set[str] = set()
    digests: list[str] = []
    if last_sync is not None and last_sync.digests:
        # Hashed here only to be compared: a file read has its digest made by its reader.
        digests = [file_digest(_bytes_of(path), fingerprint) for path in paths]
        names = set(file_names)
        unchanged = {
            name
            for name, digest in zip(file_names, digests, strict=True)
            if last_sync.digests.get(name) == digest
        }
        # A sheet and its translations are read together or not at all.
        changed_slugs = {name.split(".", 1)[0] for name in names - unchanged}
        if all(f"{slug}.md" in names for slug in last_sync.listed):
            skipped = {
                name
                for name in unchanged
                if name.split(".", 1)[0] not in changed_slugs
                and f"{name.split('.', 1)[0]}.md" in unchanged
            }
    wanted = [
        str(path) for path, name in zip(paths, file_names, strict=True) if name not in skipped
    ]
    read = iter(
        _read_all(wanted, _Reading(vocab, max_bytes, fingerprint, render, prepare), workers)
    )
    files = []
    for index, (path, name) in enumerate(zip(paths, file_names, strict=True)):
        if name in skipped:
            parts = name.removesuffix(".md").split(".")
            language = parts[1] if len(parts) == 2 else DEFAULT_LANGUAGE
            files.append(
                SheetFile(path=path, digest=digests[index], language=language, skipped=True)
            )
        else:
            files.append(next(read))
    return files


# Below this many files to read, starting processes costs more than it saves.
PARALLEL_FROM = 1000
# The most files a worker reads before it sends their results back.
CHUNK_FILES = 500
_WORKER: dict[str, object] = {}


@dataclass(frozen=True)
class _Reading:
    """How read_folder's files are read: what every reader is given."""

    vocab: Vocabularies
    max_bytes: int
    fingerprint: str
    render: bool
    prepare: Callable[[SheetFile], dict[str, Any]] | None


def _read_all(wanted: list[str], reading: _Reading, workers: int) -> list[SheetFile]:
    """Read files in this process, or share them out among `workers` forked processes."""
    # Reading makes next to no garbage cycles, and the cycle collector's walks through the
    # growing results took a third of the time: it waits until the reading is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_many(wanted, reading, workers)
    finally:
        if enabled:
            gc.enable()


def _read_many(wanted: list[str], reading: _Reading, workers: int) -> list[SheetFile]:
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or len(wanted) < PARALLEL_FROM or not forking:
        return [_read(name, reading) for name in wanted]
    # Forked, each worker starts with the app (its message catalogues) and the vocabularies.
    context = multiprocessing.get_context("fork")
    # Small chunks: a worker holds one chunk's results at a time, whatever the folder's size.
    size = min(CHUNK_FILES, -(-len(wanted) // (workers * 4)))
    chunks = _chunks_by_sheet(wanted, size)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Frozen, what the workers inherit stays out of their cycle collections, which would walk
    # (and copy, page by page) the whole inherited heap.
    gc.freeze()
    try:
        with context.Pool(workers, _start_worker, (app, reading)) as pool:
            # One chunk a task (map would bundle several): each comes back as it is read.
            read = pool.map(_read_chunk, chunks, chunksize=1)
            return [item for chunk in read for item in chunk]
    finally:
        gc.unfreeze()


def _chunks_by_sheet(names: list[str], size: int) -> list[list[str]]:
    """Cut sorted file names into chunks of about `size`, a sheet's files all in one chunk.

    `<slug>.md` and its `<slug>.<language>.md` sort next to each other (a slug has no dot), so
    a reader has a translation's English sheet at hand to compare them (see _read_chunk).
    """
    chunks: list[list[str]] = []
    chunk: list[str] = []
    for name in names:
        if len(chunk) >= size and _slug_of(name) != _slug_of(chunk[-1]):
            chunks.append(chunk)
            chunk = []
        chunk.append(name)
    return [*chunks, chunk] if chunk else chunks


def _slug_of(name: str) -> str:
    return Path(name).name.split(".", 1)[0]


def _start_worker(app: Flask, reading: _Reading) -> None:
    # Forked while _read_all held the cycle collector off: it stays off (see there); the
    # worker's garbage goes when the worker ends.
    app.app_context().push()
    _WORKER["reading"] = reading


def _read_chunk(chunk: list[str]) -> list[SheetFile]:
    reading = _WORKER["reading"]
    assert isinstance(reading, _Reading)
    # The cycle collector is off while reading (see _read_all): whatever cycles the last
    # chunk left go now, a walk through one chunk's garbage, the inherited heap being frozen.
    gc.collect()
    files = [_read(name, reading) for name in chunk]
    # Compared here, several chunks at a time, rather than all in the parent afterwards.
    sources = {item.name_slug: item.sheet for item in files if not item.is_translation}
    for item in files:
        source = sources.get(item.name_slug)
        if item.is_translation and item.sheet is not None and source is not None:
            item.differences = translation_differences(source, item.sheet)
    # Sent back without the sheet: its outline, rows and differences are all the parent reads.
    for item in files:
        item.sheet = None
    return files


def _read(name: str, reading: _Reading) -> SheetFile:
    """Read a file of a folder into what a sync needs: its sheet (and rows, if asked) or its
    problems (with their node tree, to place more), not its bytes nor a valid file's tree.

    The digest is of the bytes read here, which the sheet comes from: a file changed since
    read_folder hashed it is read again by the next sync, never skipped with a stale sheet.
    """
    try:
        raw = Path(name).read_bytes()
    except OSError as error:
        return SheetFile(
            path=Path(name),
            problems=[Problem(name, 1, "file", f"cannot be read: {error.strerror}")],
        )
    digest = file_digest(raw, reading.fingerprint)
    result = read_sheet_text(
        name, raw, reading.vocab, reading.max_bytes, digest=digest, render=reading.render
    )
    result.raw = b""
    if reading.prepare is not None and result.sheet is not None:
        result.rows = reading.prepare(result)
    return result


def check_across_files(files: list[SheetFile]) -> list[Problem]:
    """Find the problems only the whole set shows: duplicate slugs, unknown related sheets,
    and translations without their English sheet or differing from it in more than text.

    A skipped file (see read_folder) counts as a sheet of its slug and is not looked into.
    """
    problems: list[Problem] = []
    first_by_slug: dict[str, SheetFile] = {}
    translations = [item for item in files if item.is_translation]
    files = [item for item in files if not item.is_translation]
    for item in files:
        if not item.valid:
            continue
        other = first_by_slug.setdefault(item.slug, item)
        if other is not item:
            problems.append(
                Problem(
                    str(item.path),
                    item.line_of("slug"),
                    "slug",
                    f"duplicate slug {item.slug!r}, also in {other.path}",
                )
            )
    # A file that failed to read still names its sheet by its file name: count that slug as
    # known, so that one broken file is not echoed as an unknown related sheet everywhere.
    known = set(first_by_slug) | {item.name_slug for item in files if not item.valid}
    for item in files:
        if not item.valid:
            continue
        for index, slug in enumerate(item.related):
            if slug not in known:
                problems.append(
                    Problem(
                        str(item.path),
                        item.line_of("related", index),
                        f"related.{index}",
                        f"no practice sheet with slug {slug!r} in this folder",
                    )
                )
    return problems + _translation_problems(translations, first_by_slug, known)


def _translation_problems(
    translations: list[SheetFile], sources: dict[str, SheetFile], known: set[str]
) -> list[Problem]:
    """Refuse a translation whose English sheet is missing, or that changes more than text."""
    problems: list[Problem] = []
    for item in translations:
        if not item.valid:
            continue
        source = sources.get(item.slug)
        if source is None:
            if item.slug not in known:  # a broken source is reported on its own file
                problems.append(
                    Problem(
                        str(item.path),
                        item.line_of("slug"),
                        "slug",
                        f"no English sheet {item.slug}.md beside this translation",
                    )
                )
            continue
        differences = item.differences
        if differences is None or source.path.name != f"{item.name_slug}.md":
            # Read in this process (a reader compares a translation with its English sheet,
            # which it always has at hand), so both sheets are here.
            assert source.sheet is not None and item.sheet is not None
            differences = translation_differences(source.sheet, item.sheet)
        for loc, message in differences:
            # The body is prose, so every difference is in the front matter.
            problems.append(
                Problem(
                    str(item.path),
                    item.line_of(*loc),
                    ".".join(str(part) for part in loc),
                    message,
                )
            )
    return problems
