"""Ingest of one partner submission (a JSON Lines file in the partner record format).

The file is read in passes so that memory holds keys and line numbers, never the records:

1. every line is decoded and validated against the format; the last valid line of each record
   (type, local_id) and the person local_ids are remembered;
2. those person lines are read again and written;
3. the other lines are read again, their references checked against the same agency's person
   records (in this file or already stored) and written.

Persons go first so that every edge finds its person. Building rows overlaps with writing:
batches go to a single writer thread through a short queue, in order. A rejected line never stops
the lines around it from being written.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import queue
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import orjson

from graph import records
from graph.errors import IngestError
from graph.model import LIFTED_IDENTIFIERS, PERSON, PROVENANCE, RECORD_LABELS, RECORD_TYPES, RecordType, record_key
from graph.persons import ensure_people
from graph.records import Row, WriteCounts
from graph.store import Graph
from graph.validation import RecordValidator, default_validator, utc_text

_INT64 = (-(2**63), 2**63 - 1)
_GZIP_MAGIC = b"\x1f\x8b"


class Progress(Protocol):
    def update(self, n: int) -> object: ...


ProgressFactory = Callable[[str, int | None], AbstractContextManager[Progress]]


@dataclass(frozen=True)
class Reject:
    line: int
    field: str
    reason: str

    def format(self, file: str) -> str:
        return f"{file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class IngestReport:
    file: str
    agency: str
    submission: str
    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    superseded: int = 0  # valid lines followed by a later line for the same record
    writes: WriteCounts = field(default_factory=WriteCounts)
    rejects: list[Reject] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        w = self.writes
        return {
            "file": self.file,
            "agency": self.agency,
            "submission": self.submission,
            "lines": self.lines,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "superseded": self.superseded,
            "created": w.created,
            "updated": w.updated,
            "unchanged": w.unchanged,
            "stale": w.stale,
            "withdrawn": w.withdrawn,
        }


def _silent(_desc: str, _total: int | None) -> AbstractContextManager[Progress]:
    class _Null:
        def update(self, n: int) -> None:
            return None

    return nullcontext(_Null())


def ingest_file(
    graph: Graph,
    path: Path,
    agency: str,
    *,
    batch_size: int = 5000,
    progress: ProgressFactory = _silent,
    validator: RecordValidator | None = None,
    submission: str | None = None,
) -> IngestReport:
    """Validate and write one submission. Raises ``IngestError`` only when the file cannot be read.

    With ``submission`` the file is one batch of a submission the caller opened and will close (partner writes that
    span several calls); the records are written under that id and its ``Submission`` node is left alone."""
    handle = _open(path)
    now = dt.datetime.now(dt.UTC)
    report = IngestReport(file=str(path), agency=agency, submission=submission or uuid.uuid4().hex)
    ingest = _Ingest(graph, agency, validator or default_validator(), report, batch_size)
    size = path.stat().st_size
    with handle:
        with progress("checking", size) as bar:
            persons, others = ingest.first_pass(handle, bar)
        if submission is None:  # after the whole file was read: one that cannot be read leaves nothing behind
            records.open_submission(graph, submission=report.submission, agency=agency, file=path.name, now=now)
        held = records.labels_held(graph, agency, list(RECORD_LABELS))
        with _Writer(graph, report, now, held) as writer, progress("writing", len(persons) + len(others)) as bar:
            for numbers in (persons, others):  # persons first: every edge then finds its person
                handle.seek(0)
                ingest.write_pass(handle, numbers, writer, bar)
    report.rejects.sort(key=lambda r: r.line)
    report.rejected = len(report.rejects)
    report.accepted = report.lines - report.rejected
    if persons:  # new person records are people of their own until identity resolution links them
        ensure_people(graph, agency)
    if submission is None:
        records.close_submission(graph, submission=report.submission, summary=report.summary())
    return report


def _open(path: Path) -> BinaryIO:
    """The file, or what it decompresses to when it is gzip (known by its first bytes, whatever its name)."""
    try:
        if path.is_dir():
            raise IsADirectoryError(path)
        with open(path, "rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        return gzip.open(path, "rb") if compressed else open(path, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read: {exc.strerror or exc.__class__.__name__}") from exc


class _Ingest:
    def __init__(
        self,
        graph: Graph,
        agency: str,
        validator: RecordValidator,
        report: IngestReport,
        batch_size: int,
    ) -> None:
        self.graph, self.agency, self.validator, self.report = graph, agency, validator, report
        self.batch_size = batch_size
        self.people: set[str] = set()  # keys of the person records valid in this file
        self.known: dict[str, bool] = {}  # person keys looked up in the store

    def first_pass(self, handle: BinaryIO, bar: Progress) -> tuple[list[int], list[int]]:
        """Validate every line; return the numbers of the person and other lines to write.

        Only the last valid line for a key is written: it is the record's state at the end of the
        submission, and writing it alone makes a re-run of the same file a no-op.
        """
        last: dict[tuple[str, str], int] = {}
        for number, raw in _lines(handle, bar):
            self.report.lines += 1
            record = self._valid(number, raw)
            if record is not None:
                last[(record["type"], record["local_id"])] = number
                if record["type"] == PERSON.name:
                    self.people.add(record_key(self.agency, record["local_id"]))
        self.report.superseded = self.report.lines - len(self.report.rejects) - len(last)
        persons = sorted(n for (kind, _), n in last.items() if kind == PERSON.name)
        others = sorted(n for (kind, _), n in last.items() if kind != PERSON.name)
        return persons, others

    def write_pass(self, handle: BinaryIO, numbers: list[int], writer: _Writer, bar: Progress) -> None:
        """Write the given lines in batches, checking references a chunk at a time."""
        if not numbers:
            return
        wanted = iter(numbers)
        target = next(wanted, None)
        chunk: list[tuple[int, dict[str, Any]]] = []
        batches = _Batches(writer, self.batch_size)
        for number, raw in _lines(handle, None):
            if number != target:
                continue
            target = next(wanted, None)
            chunk.append((number, _decode(raw)))
            if len(chunk) >= self.batch_size or target is None:
                self._link_chunk(chunk, batches)
                bar.update(len(chunk))
                chunk = []
            if target is None:
                break
        batches.flush()

    def _link_chunk(self, chunk: list[tuple[int, dict[str, Any]]], batches: _Batches) -> None:
        """Check a chunk's person references (one store lookup for those not in this file) and batch it."""
        rows = [(number, record, build_row(record, self.agency, self.validator)) for number, record in chunk]
        unknown = {key for *_, row in rows for _, key in row.refs if key not in self.people} - self.known.keys()
        if unknown:
            found = records.existing_people(self.graph, sorted(unknown))
            self.known.update((key, key in found) for key in unknown)
        for number, record, row in rows:
            if all(key in self.people or self.known[key] for _, key in row.refs):
                batches.add(row)
            else:
                self.report.rejects.append(Reject(number, *self._unresolved(record)))

    def _unresolved(self, record: dict[str, Any]) -> tuple[str, str]:
        """The first reference that resolves to no person, named as the partner wrote it."""
        for name in RECORD_TYPES[record["type"]].references:
            value = record.get(name)
            for index, ref in enumerate(value if isinstance(value, list) else [value]):
                key = record_key(self.agency, ref)
                if ref is not None and key not in self.people and not self.known[key]:
                    where = f"{name}[{index}]" if isinstance(value, list) else name
                    return (where, f"no person record {ref!r} from {self.agency} in this file or the hub")
        raise AssertionError("called for a record whose references all resolve")

    def _valid(self, number: int, raw: bytes) -> dict[str, Any] | None:
        try:
            record = _decode(raw)
        except UnicodeDecodeError as exc:
            self.report.rejects.append(
                Reject(number, "(line)", f"not UTF-8: byte {raw[exc.start]:#04x} at column {exc.start + 1}")
            )
            return None
        except ValueError as exc:
            cut = "" if raw.endswith(b"\n") else " (the file ends inside this line: was it cut short?)"
            self.report.rejects.append(Reject(number, "(line)", f"not valid JSON: {_reason(exc)}{cut}"))
            return None
        problem = self.validator.check(record)
        if problem is None and record["agency"] != self.agency:
            problem = ("agency", f"is {record['agency']!r} but this submission is for {self.agency!r}")
        if problem is None and _has_lone_surrogate(raw):
            problem = ("(line)", "contains an invalid Unicode escape (a lone surrogate)")
        if problem is not None:
            self.report.rejects.append(Reject(number, *problem))
            return None
        return record


def build_row(record: dict[str, Any], agency: str, validator: RecordValidator) -> Row:
    """A valid partner record as typed graph properties, person references and provenance.

    Schema fields become typed properties. The open-ended parts (the ``identifiers`` map, fields the
    format does not name) are kept as JSON text, so nothing submitted is lost and no partner field
    can overwrite a property the hub writes itself.
    """
    plan = _plan(validator, record["type"])
    props: dict[str, Any] = {"agency": agency, "local_id": record["local_id"]}
    temporal: dict[str, tuple[str, str]] = {}
    extra = {}
    for name, value in record.items():
        if name in plan.plain:
            props[name] = _graph_int(value) if type(value) is int else value
        elif name in plan.dates:
            temporal[name] = ("date", value)  # checked as YYYY-MM-DD already
        elif name in plan.datetimes:
            temporal[name] = ("datetime", utc_text(value))
        elif name not in plan.known:
            extra[name] = value
    identifiers = record.get("identifiers")
    if identifiers:
        props["identifiers"] = _json_text(identifiers)
        props.update((name, identifiers[name]) for name in LIFTED_IDENTIFIERS if name in identifiers)
    if extra:
        props["extra"] = _json_text(extra)
    refs: list[tuple[str, str]] = []
    for name, rel in plan.references:
        value = record.get(name)
        if type(value) is list:
            refs.extend((rel, record_key(agency, ref)) for ref in value)
        elif value is not None:
            refs.append((rel, record_key(agency, value)))
    recorded = temporal.get("recorded_at")
    return Row(
        kind=plan.kind,
        key=record_key(agency, record["local_id"]),
        props=props,
        temporal=temporal,
        refs=refs,
        hash=hashlib.blake2b(_canonical(record), digest_size=16).hexdigest(),
        recorded_at=recorded[1] if recorded else None,
        deleted=record.get("deleted") is True,
    )


@dataclass(frozen=True)
class _Plan:
    """How each field of one record type becomes graph properties, worked out once per type."""

    kind: RecordType
    plain: frozenset[str]  # schema fields stored as they are
    dates: frozenset[str]
    datetimes: frozenset[str]
    known: frozenset[str]  # every field the schema names; the rest go to `extra`
    references: tuple[tuple[str, str], ...]


@functools.cache
def _plan(validator: RecordValidator, kind_name: str) -> _Plan:
    kind = RECORD_TYPES[kind_name]
    dates, datetimes = frozenset(validator.date_fields(kind_name)), frozenset(validator.datetime_fields(kind_name))
    known = validator.known_fields(kind_name)
    return _Plan(
        kind=kind,
        plain=known - dates - datetimes - PROVENANCE - {"type"},
        dates=dates,
        datetimes=datetimes,
        known=known,
        references=tuple(kind.references.items()),
    )


def _decode(raw: bytes) -> Any:
    """orjson for speed; the standard library for its messages and for what orjson refuses but JSON
    allows (lone surrogate escapes, which are then rejected with a clear reason)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=_no_constants)


def _canonical(value: Any) -> bytes:
    """Canonical JSON (sorted keys), for hashes and for the parts kept as text."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _json_text(value: Any) -> str:
    return _canonical(value).decode()


def _graph_int(value: int) -> int | float:
    """Integers beyond 64 bits cannot travel over Bolt; they are kept as floats."""
    return value if _INT64[0] <= value <= _INT64[1] else float(value)


def _lines(handle: BinaryIO, bar: Progress | None) -> Iterator[tuple[int, bytes]]:
    number = 0
    try:
        for number, raw in enumerate(handle, start=1):
            if bar is not None:
                bar.update(len(raw))
            if raw.strip():
                yield number, raw
    except (EOFError, OSError, zlib.error) as exc:  # a gzip stream cut short or corrupt; a failing disk
        # the first pass reads the whole file before anything is written: nothing of it is in the graph
        raise IngestError(f"{handle.name}:{number + 1}: cannot be read past line {number}: {exc}") from exc


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _reason(exc: Exception) -> str:
    return str(exc).split(": line 1")[0] if isinstance(exc, json.JSONDecodeError) else str(exc)


def _has_lone_surrogate(raw: bytes) -> bool:
    # json.loads accepts "\ud800"; such a string cannot be encoded to send to the graph
    if b"\\u" not in raw:
        return False
    try:
        json.dumps(json.loads(raw), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


class _Batches:
    """Per-type buffers, each sent to the writer when full."""

    def __init__(self, writer: _Writer, size: int) -> None:
        self.writer, self.size = writer, size
        self.rows: dict[str, list[Row]] = {}

    def add(self, row: Row) -> None:
        rows = self.rows.setdefault(row.kind.name, [])
        rows.append(row)
        if len(rows) >= self.size:
            self.writer.put(rows)
            self.rows[row.kind.name] = []

    def flush(self) -> None:
        for rows in self.rows.values():
            if rows:
                self.writer.put(rows)
        self.rows = {}


class _Writer:
    """One thread writing batches in order, so that the next batch is built while one is written."""

    def __init__(self, graph: Graph, report: IngestReport, now: dt.datetime, held: set[str]) -> None:
        self.graph, self.report, self.now = graph, report, now
        self.held = held  # labels the agency already has records under: those batches look before writing
        self.queue: queue.Queue[list[Row] | None] = queue.Queue(maxsize=4)  # None: no more batches
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    def __enter__(self) -> _Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error

    def put(self, rows: list[Row]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain so the producer never blocks
            try:
                counts = records.write_batch(
                    self.graph,
                    rows,
                    submission=self.report.submission,
                    now=self.now,
                    assume_new=rows[0].kind.label not in self.held,
                )
                self.report.writes.add(counts)
            except BaseException as exc:  # re-raised in the producer
                self.error = exc
