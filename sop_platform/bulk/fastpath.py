"""The fast path of a streamed CSV chunk: read by pyarrow, each field checked once per value.

A chunk of an ERP extract repeats a few thousand SKUs, locations, dates and quantities over
250,000 rows. Here each field is dictionary-encoded (pyarrow, C speed), the slow path's own
checks (``validation._typed``) run on its distinct values only, and the typed values are taken
back row by row (numpy). Natural keys of references are resolved once per distinct key and
cached for the whole load (``KnownIds``).

This path only *accepts*: a chunk it cannot vouch for (double quotes, a NUL, a lone carriage
return, a blank line, a header other than distinct known field names, a reference of several
fields, a distinct value failing a check, an empty or unknown key, a key repeated inside the
chunk) returns None and goes through ``parsing.parse_body`` and ``validation.validate``, which
report its errors exactly as the API does. Both paths give the same typed values: the same
functions type the values, and the parsers agree on unquoted, well-formed CSV.
"""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

from sop_platform.bulk.spec import Reference, Resource
from sop_platform.bulk.validation import Validated, _broken_rules, _typed

_BOM = b"\xef\xbb\xbf"
_LOOKUP_BATCH = 5_000
_NOT_FOUND = -1
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): mixes key hashes


@dataclass(frozen=True)
class Encoded:
    """One field's distinct values (stripped text) and each row's position among them."""

    uniques: np.ndarray
    codes: np.ndarray


def encode_text(values: np.ndarray) -> Encoded:
    """``values`` (text) stripped as validation strips them, as distinct values and codes."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).str.strip())
    return Encoded(np.asarray(uniques, dtype=object), codes)


def key_hashes(fields: Sequence[Encoded]) -> np.ndarray:
    """A 64-bit hash of each row's natural key (stripped text of its fields), the same whether
    the chunk went through the fast or the slow path (``stream.SeenKeys`` compares them)."""
    combined = None
    for encoded in fields:
        hashes = pd.util.hash_array(encoded.uniques)[encoded.codes]
        combined = hashes if combined is None else (combined * _MIX) ^ hashes
    return combined


@dataclass(frozen=True)
class FastChunk:
    """A chunk the fast path read: typed plain columns, references still as key text."""

    rows: int
    typed: dict[str, pd.Series]  # database column -> typed values, in resource column order
    references: dict[str, Encoded]  # database column -> key text, resolved on the main thread
    keys: list[Encoded]  # the natural key's fields


def read_fast(resource: Resource, body: bytes) -> FastChunk | None:
    """The chunk read and checked, or None when the slow path must read it (no database
    access: runs in the prefetch thread)."""
    body = body.removeprefix(_BOM)
    names = _header(resource, body)
    if names is None:
        return None
    table = _arrow_table(body, names)
    if table is None:
        return None
    fields = {name: _encoded(table.column(name)) for name in names}
    typed, references = {}, {}
    for column in resource.columns:
        if not all(f in fields for f in column.input_fields):
            continue
        if column.reference:
            references[column.column] = fields[column.name]
            continue
        values = _checked(column, fields[column.name])
        if values is None:
            return None
        typed[column.column] = values
    keys = [fields[f] for name in resource.key for f in resource.column(name).input_fields]
    if _repeats_inside(keys):
        return None
    return FastChunk(table.num_rows, typed, references, keys)


def _header(resource: Resource, body: bytes) -> list[str] | None:
    """The header's field names when the body is plain enough for pyarrow to read exactly as
    pandas does (see the module docstring), else None."""
    if b'"' in body or b"\x00" in body:
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):  # a lone CR ends a line
        return None
    end = body.find(b"\n")
    if end < 0:
        return None
    try:
        names = body[:end].rstrip(b"\r").decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    fields, required = resource.input_fields, resource.required_fields
    if len(set(names)) != len(names) or not set(names) <= fields or not required <= set(names):
        return None
    references = [c for c in resource.columns if c.reference and c.name in names]
    if any(len(c.reference.fields) != 1 for c in references):
        return None
    return names


def _arrow_table(body: bytes, names: list[str]) -> pa.Table | None:
    """Every field as text, or None when pyarrow refuses the body (a row of another length,
    invalid UTF-8) or skipped a blank line (pandas counts rows the same way only without)."""
    records = body.count(b"\n") - 1 + (not body.endswith(b"\n"))
    if records < 1:
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            parse_options=pacsv.ParseOptions(quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowException:  # ArrowInvalid: a row of another length, invalid UTF-8
        return None
    return table if table.num_rows == records else None


def _encoded(values: pa.ChunkedArray) -> Encoded:
    """Distinct stripped values and codes of one field: pyarrow finds the distinct raw values
    (C speed), Python strips only those."""
    dictionary = values.combine_chunks().dictionary_encode()
    raw = encode_text(dictionary.dictionary.to_numpy(zero_copy_only=False))
    return Encoded(raw.uniques, raw.codes[dictionary.indices.to_numpy()])


def _checked(column, encoded: Encoded) -> pd.Series | None:
    """Typed values of a plain field, by the slow path's checks run on its distinct values;
    None when any distinct value fails one."""
    distinct = pd.DataFrame({column.name: pd.Series(encoded.uniques, dtype=str)})
    values, problems = _typed(column, distinct)
    if any(np.asarray(mask, dtype=bool).any() for mask, _, _ in problems):
        return None
    return values.take(encoded.codes)


def _repeats_inside(keys: list[Encoded]) -> bool:
    """Whether a natural key occurs twice in the chunk (the slow path names the rows)."""
    if not keys:
        return False
    sizes = [max(len(k.uniques), 1) for k in keys]
    if float(np.prod(sizes, dtype=np.float64)) >= 2**62:  # codes would not fit one integer
        return pd.DataFrame({i: k.codes for i, k in enumerate(keys)}).duplicated().any()
    combined = np.zeros(len(keys[0].codes), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + key.codes
    return bool(pd.Index(combined).has_duplicates)


class KnownIds:
    """Ids of referenced rows by natural key, cached for one load: each key is looked up in
    the database once (the load's foreign keys are checked by the database anyway)."""

    def __init__(self, before_query: Callable[[], None] = lambda: None):
        self.ids: dict[Reference, dict[str, int]] = {}
        self.before_query = before_query  # e.g. end the load's running COPY

    def resolve(self, reference: Reference, encoded: Encoded) -> np.ndarray | None:
        """Each row's id, or None when a key is empty or unknown (the slow path says which)."""
        known = self.ids.setdefault(reference, {})
        missing = [key for key in encoded.uniques if key not in known]
        if missing:
            self.before_query()
            known.update(_lookup(reference, missing))
        ids = np.fromiter(
            (known.get(key, _NOT_FOUND) for key in encoded.uniques), np.int64, len(encoded.uniques)
        )
        if (ids == _NOT_FOUND).any():
            return None
        return ids[encoded.codes]


def _lookup(reference: Reference, keys: list[str]) -> dict[str, int]:
    """{key: id} of the referenced rows whose (single-field) natural key is in ``keys``."""
    model, lookup = reference.model, reference.lookups[0]
    found: dict[str, int] = {}
    if connection.vendor == "postgresql":  # one array parameter instead of thousands
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote(model._meta.get_field(lookup).column)}, {quote(model._meta.pk.column)}"
            f" FROM {quote(model._meta.db_table)}"
            f" WHERE {quote(model._meta.get_field(lookup).column)} = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [keys])
            found.update((str(key), pk) for key, pk in cursor.fetchall())
        return found
    for start in range(0, len(keys), _LOOKUP_BATCH):
        rows = model.objects.filter(**{f"{lookup}__in": keys[start : start + _LOOKUP_BATCH]})
        found.update((str(key), pk) for key, pk in rows.values_list(lookup, "pk"))
    return found


def validated(resource: Resource, chunk: FastChunk, known: KnownIds) -> Validated | None:
    """The chunk as ``validation.validate`` would return it (every row accepted), or None
    when a reference does not resolve."""
    columns = {}
    for column in resource.columns:
        if column.column in chunk.references:
            ids = known.resolve(column.reference, chunk.references[column.column])
            if ids is None:
                return None
            columns[column.column] = pd.array(ids, dtype="Int64")
        elif column.column in chunk.typed:
            columns[column.column] = chunk.typed[column.column].array
    values = pd.DataFrame(columns, index=pd.RangeIndex(1, chunk.rows + 1))
    broken = _broken_rules(resource, dict(values.items()))
    if any(mask.any() for mask, _, _ in broken):
        return None
    return Validated(values=values)
