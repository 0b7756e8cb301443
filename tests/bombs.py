"""Hostile spreadsheets, written by hand with zipfile so that they are exactly what an attacker
would send (and cost the test little to build): a zip bomb, a bomb whose zip directory lies
about its sizes, a million-row sheet (realistic and compact), a sheet with a cell far to the
right, and a zip with too many parts. Also a normal, valid roster of a given size (the
reference for the memory figures)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
SHEET_PATH = "xl/worksheets/sheet1.xml"


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def _row(cells: Iterable[str]) -> str:
    return "<row>" + "".join(_cell(c) for c in cells) + "</row>"


def xlsx(sheet_chunks: Iterable[str], *, level: int = 6) -> bytes:
    """A minimal valid xlsx whose first sheet is the concatenation of ``sheet_chunks``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open(SHEET_PATH, "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk.encode("utf-8"))
    return buffer.getvalue()


def _sheet(header: list[str], rows: Iterator[str]) -> Iterator[str]:
    yield SHEET_HEAD + _row(header)
    yield from rows
    yield SHEET_TAIL


def _batched(row: str, count: int, batch: int = 10_000) -> Iterator[str]:
    full, rest = divmod(count, batch)
    block = row * batch
    for _ in range(full):
        yield block
    yield row * rest


ROSTER_HEADER = ["工号", "姓名", "单位代码"]


def zip_bomb(uncompressed_mb: int = 300) -> bytes:
    """About 1 MB that inflates to ``uncompressed_mb`` MB of one roster row repeated."""
    row = _row(["XH000001", "张三", "330106-SFJ"])
    count = uncompressed_mb * 1024 * 1024 // len(row.encode())
    return xlsx(_sheet(ROSTER_HEADER, _batched(row, count)))


def lying_zip_bomb(bomb: bytes | None = None) -> bytes:
    """The zip bomb with its directory rewritten to declare a 2 KB sheet: the size checks pass
    and only the streaming reader stands between the file and the memory."""
    data = bytearray(bomb or zip_bomb())
    declared = 2048
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET_PATH)
    # Local header: uncompressed size at offset 22 (or in the zip64 extra field).
    _set_sizes(data, info.header_offset, local=True, size=declared)
    # Central directory entries: the one naming the sheet.
    position = data.find(b"PK\x01\x02", info.header_offset + info.compress_size)
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length].decode() == SHEET_PATH:
            _set_sizes(data, position, local=False, size=declared)
        position = data.find(b"PK\x01\x02", position + 46)
    return bytes(data)


def _set_sizes(data: bytearray, offset: int, *, local: bool, size: int) -> None:
    size_at, name_at, extra_at, fixed = (22, 26, 28, 30) if local else (24, 28, 30, 46)
    name_length, extra_length = struct.unpack_from("<HH", data, offset + name_at)
    if struct.unpack_from("<I", data, offset + size_at)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, offset + size_at, size)
        return
    extra = offset + fixed + name_length
    end = extra + extra_length
    while extra < end:
        tag, length = struct.unpack_from("<HH", data, extra)
        if tag == 0x0001:  # zip64: uncompressed size first
            struct.pack_into("<Q", data, extra + 4, size)
            return
        extra += 4 + length


def million_rows(rows: int = 1_000_000) -> bytes:
    """A roster of a million distinct people (the 14.7 MB file of the issue)."""

    def body() -> Iterator[str]:
        batch = []
        for n in range(1, rows + 1):
            batch.append(_row([f"XH{n:07d}", f"人员{n}", "330106-SFJ"]))
            if len(batch) == 10_000:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    return xlsx(_sheet(ROSTER_HEADER, body()), level=1)


def million_compact_rows(rows: int = 1_000_000) -> bytes:
    """A million numbered rows small enough (about 30 MB inflated, compressed like a real
    sheet) to pass every size check: only the row count refuses it."""

    def body() -> Iterator[str]:
        for start in range(1, rows + 1, 10_000):
            stop = min(start + 10_000, rows + 1)
            yield "".join(f"<row><c><v>{n}</v></c></row>" for n in range(start, stop))

    return xlsx(_sheet(ROSTER_HEADER, body()))


def far_column() -> bytes:
    """One value in the sheet's last column (XFD, the 16,384th) on every row."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c><c r="XFD{n}"><v>1</v></c></row>'
    return xlsx(
        _sheet(ROSTER_HEADER, (row.format(n=n) for n in range(2, 20_000))),
    )


def many_parts(parts: int = 5_000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        for n in range(parts):
            archive.writestr(f"xl/media/p{n}.bin", b"")
    return buffer.getvalue()


def csv_rows(rows: int) -> bytes:
    return ("工号,姓名,单位代码\n" + "XH000001,张三,330106-SFJ\n" * rows).encode()


def csv_wide(columns: int) -> bytes:
    return (",".join(f"列{i}" for i in range(columns)) + "\n").encode()


def roster_xlsx(rows: int, unit_code: str = "330106-SFJ") -> bytes:
    """A valid roster of ``rows`` distinct people (the reference file)."""

    def body() -> Iterator[str]:
        yield "".join(_row([f"XH{n:06d}", f"人员{n}", unit_code]) for n in range(1, rows + 1))

    return xlsx(_sheet(ROSTER_HEADER, body()))


def inflated_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(i.file_size for i in archive.infolist())
