"""Delimited text exports (CSV, TSV, Excel "Unicode text"): encoding and separator sniffing,
transcoding to NFC UTF-8, and staging through DuckDB's reader or, where it cannot, Python's."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest.base import Export, Reader, Shape
from tthc_lib.ingest.blanks import blank_line_numbers, filled_sql, unblank_lines
from tthc_lib.ingest.controls import clean_text, newlines_and_not_xml
from tthc_lib.ingest.headers import Header, find_header, staged_columns
from tthc_lib.ingest.paths import NO_CELL, plain_link, short_sql

SNIFF_BYTES = 256 * 1024       # bytes sampled to find encoding, separator and header


CHUNK_BYTES = 8 * 1024 * 1024


SEPARATORS = (",", ";", "\t")

# No field is too long to read (docs/input-format.md § Rows set aside): an oversized value
# sets its row aside
# (rules.MAX_VALUE_CHARS), it never stops the reader.
csv.field_size_limit(2**31 - 1)


ENCODING_LABELS = "UTF-8, UTF-16 hoặc Windows-1258"


def _detect_encoding(head: bytes) -> str | None:
    """An encoding from the BOM or the NUL pattern of UTF-16; None means UTF-8 or cp1258."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return None


def _decode_head(head: bytes, complete: bool, label: str) -> tuple[str, str]:
    """(encoding, text) of the sampled bytes; the last partial character is tolerated."""
    enc = _detect_encoding(head)
    errors = []
    for candidate in [enc] if enc else ["utf-8", "cp1258"]:
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            return candidate, decoder.decode(head, final=complete)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    # The utf-8-sig codec counts offsets after the byte order mark.
    line = head[: errors[0].start + (enc == "utf-8-sig") * 3].count(b"\n") + 1
    raise InputError(f"{label}: không đọc được bảng mã ký tự ở dòng {line} "
                     f"(cần {ENCODING_LABELS}).", file=label, line=line)


@dataclass(frozen=True)
class _Sniffed:
    sep: str
    header: Header
    end: int          # physical line where the header record ends
    records: int      # CSV records up to and including the header, empty lines counted


def _sniff_header(text: str, complete: bool, label: str) -> _Sniffed:
    """The separator and header row of a text export."""
    if not complete:  # drop a possibly truncated last line
        text = text[: text.rfind("\n") + 1]
    found: list[_Sniffed] = []
    errors: list[InputError] = []
    for sep in SEPARATORS:
        records = list(_records_with_end(text, sep))
        try:
            header = find_header(((line, cells) for line, _end, cells in records), label)
        except InputError as exc:
            errors.append(exc)
            continue
        index = next(i for i, (line, _e, _c) in enumerate(records) if line == header.line)
        found.append(_Sniffed(sep, header, records[index][1], index + 1))
    if not found:
        raise min(errors, key=lambda e: e.attrs.get("reason") == "no_header")
    # The separator that yields the widest header row wins (a comma inside a tab header...).
    return max(found, key=lambda f: (len(f.header.positions), f.header.width))


def _records_with_end(text, sep: str):
    """(first line, last line, cells) of each CSV record of `text`: a str, or a text stream
    opened with newline="" (read line by line, never whole)."""
    source = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(source, delimiter=sep, quotechar='"', doublequote=True, strict=False)
    start = 1
    for cells in reader:
        yield start, reader.line_num, cells
        start = reader.line_num + 1


def _quote_left_open(utf8: Path, sep: str, line: int) -> bool:
    """Whether the record starting at `line` of `utf8` ends inside a quoted field (the end
    of the file reached with its quote still open), read strictly from that line."""
    with open(utf8, encoding="utf-8", newline="") as text:
        for _ in range(line - 1):
            text.readline()
        reader = csv.reader(text, delimiter=sep, quotechar='"', doublequote=True, strict=True)
        try:
            next(reader, None)
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
    return False


def _transcode(path: Path, encoding: str, dest: Path) -> tuple[str, int | None, int]:
    """Decode `path` chunk by chunk and write it to `dest` as UTF-8 in NFC (each piece cut
    after a line break, where normalisation cannot reach across), characters XML cannot hold
    replaced by spaces. Returns the sha256 of the file's bytes, the offset of the first byte
    that does not decode (None if none) and how many characters were replaced."""
    sha = hashlib.sha256()
    # utf-8-sig would count offsets after the byte order mark: decode UTF-8, drop the mark.
    bom = encoding == "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8" if bom else encoding)()
    fed, rest, cleaned = 0, "", 0
    with open(path, "rb") as src, open(dest, "wb") as out:
        while True:
            chunk = src.read(CHUNK_BYTES)
            sha.update(chunk)
            pending = len(decoder.getstate()[0])
            try:
                text = rest + decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return sha.hexdigest(), fed - pending + exc.start, cleaned
            fed += len(chunk)
            if bom and text:
                text, bom = text.removeprefix("\ufeff"), False
            cut = len(text) if not chunk else text.rfind("\n") + 1
            text, rest = text[:cut], text[cut:]
            text, n = clean_text(text)
            cleaned += n
            out.write(unicodedata.normalize("NFC", text).encode("utf-8"))
            if not chunk:
                return sha.hexdigest(), None, cleaned


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line of the byte at `offset`."""
    lines = 0
    with open(path, "rb") as fh:
        while offset > 0 and (chunk := fh.read(min(CHUNK_BYTES, offset))):
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines + 1




MAX_INLINE_SHIFTS = 1024      # up to this many, empty lines are added back by a CASE tree
STAGED, REWRITE, PYTHON = "staged", "rewrite", "python"   # outcomes of DuckDB's reader


@dataclass
class _Scan:
    """What one pass over a UTF-8 file's bytes tells: hash, lines, NFC need."""

    sha256: str
    lines: int                 # physical lines
    combining: bool            # combining diacritics present: the text needs NFC
    controls: bool = False     # characters XML cannot hold: the text needs cleaning
    lone_cr: bool = False      # a CR not before LF: a line break DuckDB's rows do not show


def _scan_utf8(path: Path) -> _Scan:
    """Hash the file, count its lines, look for combining marks (U+0300-U+036F), for
    characters XML cannot hold and for carriage returns alone."""
    sha = hashlib.sha256()
    lines, combining, controls, lone, last = 0, False, False, 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            sha.update(chunk)
            newlines, not_xml = newlines_and_not_xml(chunk)
            lines += newlines
            combining = combining or b"\xcc" in chunk or b"\xcd" in chunk
            # A character cut between two chunks is U+FFFE/U+FFFF only: left to the copy.
            controls = controls or not_xml
            if b"\r" in chunk or last == b"\r":   # most files: no CR, nothing to count
                lone += chunk.count(b"\r") - chunk.count(b"\r\n") - (
                    last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return _Scan(sha.hexdigest(), lines + (last != b"\n"), combining, controls, lone > 0)


class TextExport(Export):
    """A delimited text export (CSV, TSV, Excel "Unicode text")."""

    def __init__(self, path, label, sniffed: _Sniffed, encoding: str, ascii_head: bool):
        super().__init__(path, label, sniffed.header)
        self.encoding = encoding
        self.sep = sniffed.sep
        self.header_end = sniffed.end
        # DuckDB's `skip` counts CSV records (an empty line is one), not physical lines.
        self.skip = sniffed.records
        self.ascii_head = ascii_head
        self.counts_cells = True
        self.cleaned = 0            # characters XML cannot hold, replaced by spaces

    def stage(self, con, table: str, shape: Shape) -> None:
        retry = True
        with tempfile.TemporaryDirectory(prefix="tthc-") as tmp:
            # DuckDB's reader expands a path as a pattern ([...], *, ?, {}, a leading ~): it
            # only ever sees a plain name in this private folder (issue 20).
            plain = plain_link(self.path, Path(tmp) / "source.csv")
            if self.encoding in ("utf-8", "utf-8-sig") and plain is not None:
                outcome = self._stage_fast(con, table, plain, shape, record_sha=True)
                if outcome == STAGED:
                    return
                retry = outcome == REWRITE
            utf8 = Path(tmp) / "export.csv"
            self.sha256 = self._write_utf8_nfc(utf8)
            if retry and self._stage_fast(con, table, utf8, shape, record_sha=False) == STAGED:
                return
            self._stage_rows(con, table, self._python_rows(utf8), shape)

    def _write_utf8_nfc(self, dest: Path) -> str:
        """Write the file's text to `dest` as UTF-8 in NFC, decoding it piece by piece; the
        sha256 of the file's bytes. A UTF-8 file whose sampled bytes were all ASCII may be
        Windows-1258. Raises InputError (with the line) on bytes of no such encoding."""
        encodings = [self.encoding]
        if self.encoding == "utf-8" and self.ascii_head:
            encodings.append("cp1258")
        for enc in encodings:
            sha256, bad, self.cleaned = _transcode(self.path, enc, dest)
            if bad is None:
                return sha256
        line = _line_at(self.path, bad)
        raise InputError(f"{self.label}: không đọc được bảng mã ký tự ở dòng {line} "
                         f"(cần {ENCODING_LABELS}).", file=self.label, line=line)

    def _python_rows(self, utf8: Path):
        """(line, cells) of the records below the header of UTF-8 file `utf8` (in NFC); a
        record's line is the one it starts on. A quote opened and never closed swallows
        every line after it into one record: the file is refused with the line it opened on."""
        last = (0, 0)
        with open(utf8, encoding="utf-8", newline="") as text:
            for line, end, cells in _records_with_end(text, self.sep):
                last = (line, end)
                if line > self.header_end and cells:
                    yield line, cells
        if last[1] > last[0] and _quote_left_open(utf8, self.sep, last[0]):
            raise InputError(
                f"{self.label}: dấu ngoặc kép mở ở dòng {last[0]} không được đóng, các dòng "
                f"{last[0]}–{last[1]} bị gộp vào một ô; hãy sửa dòng {last[0]} rồi nạp lại.",
                file=self.label, line=last[0], reason="unclosed_quote")

    def _stage_fast(self, con, table: str, path: Path, shape: Shape, record_sha: bool) -> str:
        """Let DuckDB's reader stage a UTF-8 file while Python scans its bytes. STAGED when
        it did; REWRITE when a UTF-8 copy in NFC may be read (bytes DuckDB could not read,
        text not in NFC); PYTHON when the rows do not line up with the lines (quoted line
        breaks, very many empty lines), which no copy changes."""
        from concurrent.futures import ThreadPoolExecutor

        raw = f"{table}_csv"
        with ThreadPoolExecutor(1) as pool:
            scanning = pool.submit(_scan_utf8, path)
            read = self._read_csv(con, raw, path, shape)
            scan = scanning.result()
        if record_sha:
            self.sha256 = scan.sha256
        outcome = REWRITE
        if read and scan.lone_cr:   # rows are not lines: no copy changes that
            con.execute(f'DROP TABLE IF EXISTS "{raw}"')
            return PYTHON
        if read and not scan.combining and not scan.controls:
            n = con.execute(f'SELECT count(*) FROM "{raw}"').fetchone()[0]
            inside = self._blanks_inside(path, n, scan.lines)
            if inside is not None:
                self._number_lines(con, table, raw, inside, n)
                unblank_lines(con, table, path, self.sep)
                self.staged_by = "duckdb"
                return STAGED
            outcome = PYTHON
        con.execute(f'DROP TABLE IF EXISTS "{raw}"')
        return outcome

    def _blanks_inside(self, path: Path, rows: int, lines: int) -> list[int] | None:
        """The empty lines below the header, when they alone explain why DuckDB returned
        fewer rows than there are lines; None when something else (a quoted line break)
        does."""
        if rows == lines - self.header_end:
            return []
        blanks = blank_line_numbers(path)
        if blanks is None:
            return None
        inside = [b for b in blanks if b > self.header_end]
        return inside if rows == lines - self.header_end - len(inside) else None

    def _read_csv(self, con, raw: str, path: Path, shape: Shape, short: bool = False) -> bool:
        """Stage with DuckDB's reader. strict_mode: a row with more cells than the header, or
        a quote DuckDB would read past silently, is an error and the Python reader stages
        the file instead. A row with fewer cells is an error at first (no cost to files
        without one); then, `short`, an empty cell reads as '' and a missing one as NULL
        (null_padding with a null string no cell holds), so such a row is seen and counted."""
        import duckdb

        width = self.header.width
        spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
        cell = "nullif(c{}, '')" if short else "c{}"
        picks = ", ".join(f'{cell.format(self.header.positions[c])} AS "{c}"'
                          for c in staged_columns(self.header))
        padding = f"null_padding=true, nullstr='{NO_CELL}'" if short else "null_padding=false"
        extra = short_sql(width) if short else "NULL::INTEGER"
        try:
            source = (f"(SELECT {picks}, {filled_sql(self.header)} AS _filled, "
                      f"{extra} AS _extra FROM read_csv('{_sql_str(path)}', "
                      f"header=false, skip={self.skip}, delim='{_sql_str(self.sep)}', "
                      f"quote='\"', escape='\"', columns={{{spec}}}, auto_detect=false, "
                      f"strict_mode=true, {padding}))")
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{raw}" AS {shape(source)}')
            return True
        except duckdb.Error as exc:
            if not short and "Expected Number of Columns" in str(exc):
                return self._read_csv(con, raw, path, shape, short=True)
            return False

    def _number_lines(self, con, table: str, raw: str, inside: list[int], rows: int) -> None:
        """Rows keep file order, so a row's id gives its line once the skipped empty lines
        before it are added back."""
        first = self.header_end + 1
        # The j-th empty line (1-based) shifts every row from index b_j - first - (j-1) on.
        # Consecutive empty lines share a start: the last (largest) shift holds. Trailing
        # empty lines shift no row.
        starts = {b - first - j: j + 1 for j, b in enumerate(inside)}
        starts = sorted((k, v) for k, v in starts.items() if k < rows)
        if len(starts) <= MAX_INLINE_SHIFTS:
            bounds = [0] + [k for k, _ in starts]
            shifts = [0] + [v for _, v in starts]
            line = f"rowid + {first} + {_shift_sql(bounds, shifts, 0, len(starts))}"
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS '
                        f'SELECT {line} AS _line, * FROM "{raw}"')
            return
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}_shift" (start BIGINT, shift BIGINT)')
        con.executemany(f'INSERT INTO "{table}_shift" VALUES (?, ?)', starts)
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT r.rowid + {first} '
            f'+ coalesce(s.shift, 0) AS _line, r.* FROM "{raw}" r ASOF LEFT JOIN '
            f'"{table}_shift" s ON r.rowid >= s.start ORDER BY r.rowid')
        con.execute(f'DROP TABLE "{table}_shift"')
        con.execute(f'DROP TABLE "{raw}"')


def _shift_sql(bounds: list[int], shifts: list[int], lo: int, hi: int) -> str:
    """SQL: the shift of the row at `rowid`, by binary search over the segment starts
    `bounds[lo..hi]` (shift `shifts[i]` from `bounds[i]` on), as nested CASEs."""
    if lo == hi:
        return str(shifts[lo])
    mid = (lo + hi + 1) // 2
    return (f"CASE WHEN rowid >= {bounds[mid]} THEN {_shift_sql(bounds, shifts, mid, hi)} "
            f"ELSE {_shift_sql(bounds, shifts, lo, mid - 1)} END")


def _sql_str(value) -> str:
    return str(value).replace("'", "''")


class TextReader(Reader):
    """CSV/TSV/TXT: UTF-8 (with or without BOM), UTF-16 (BOM or not), Windows-1258;
    separators `,` `;` or tab."""

    name = "text"

    def accepts(self, path: Path, head: bytes) -> bool:
        return not head.startswith(b"PK\x03\x04")

    def open(self, path: Path, label: str, head: bytes) -> Export:
        complete = len(head) < SNIFF_BYTES
        encoding, text = _decode_head(head, complete, label)
        text = unicodedata.normalize("NFC", text)
        if not text.strip():
            raise InputError(f"{label}: tệp rỗng; cần một bảng có dòng tiêu đề.", file=label)
        if "\x00" in text:
            raise InputError(f"{label}: không phải tệp bảng (CSV, TXT hoặc XLSX).", file=label)
        return TextExport(path, label, _sniff_header(text, complete, label), encoding,
                          head.isascii())
