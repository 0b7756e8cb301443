"""Picking the reader by name and content: Word lists among the zips, text lists among the
text formats, every text format in the encodings Windows writes."""

import io

import pytest
from openpyxl import Workbook

from exams.formats.detect import (
    ERR_UNKNOWN_FORMAT,
    FORMAT_LABELS,
    detect_format,
    parse_questions_file,
)

from .wordlist_files import docx_bytes

LIST = "1、行政许可的期限是\nA、十日\nB、二十日\n答案：B\n"
AIKEN = "行政许可的期限是\nA) 十日\nB) 二十日\nANSWER: B\n"
GIFT = "::Q1:: 行政许可的期限是 {~十日 =二十日}\n"


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["题型", "题干"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (docx_bytes(["1. 题干", "答案：对"]), "bank.docx", "wordlist"),
        (docx_bytes(["1. 题干", "答案：对"]), "upload", "wordlist"),
        (xlsx(), "upload", "spreadsheet"),
        (xlsx(), "bank.xlsx", "spreadsheet"),
        (LIST.encode(), "bank.txt", "wordlist"),
        (LIST.encode("gbk"), "bank.txt", "wordlist"),
        (LIST.encode("utf-16"), "bank", "wordlist"),
        ("（1）题干\n【答案】对\n".encode(), "bank.txt", "wordlist"),
        ("第1题 题干\n正确答案：A\n".encode(), "bank.txt", "wordlist"),
        (AIKEN.encode(), "bank.txt", "aiken"),
        ("题干\nA)甲\nB)乙\nANSWER：Ｂ\n".encode(), "bank.txt", "aiken"),
        (AIKEN.encode("gb18030"), "bank.txt", "aiken"),
        (GIFT.encode(), "bank.txt", "gift"),
        (GIFT.encode("utf-16"), "bank.txt", "gift"),
        # a GIFT file whose feedback happens to say 答案： is still GIFT
        ("1. 期限是 {=二十日#答案：二十日 ~十日}\n".encode(), "bank.txt", "gift"),
        ("只是一段文字\n".encode(), "notes.txt", None),
    ],
)
def test_detect(data, filename, expected):
    assert detect_format(data, filename) == expected


def test_every_text_format_is_decoded_the_same_way():
    for text, fmt in ((LIST, "wordlist"), (AIKEN, "aiken"), (GIFT, "gift")):
        for encoding in ("utf-8-sig", "gbk", "utf-16"):
            found, result = parse_questions_file(text.encode(encoding), "bank.txt")
            assert (found, result.errors) == (fmt, [])
            assert len(result.questions) == 1
            assert "行政许可的期限是" in result.questions[0].stem


def test_unknown_files_name_the_formats_read():
    fmt, result = parse_questions_file(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "map.png")
    assert fmt == "unknown"
    assert [e.message for e in result.errors] == [ERR_UNKNOWN_FORMAT]
    assert "Word" in ERR_UNKNOWN_FORMAT and "Aiken" in ERR_UNKNOWN_FORMAT
    assert FORMAT_LABELS["wordlist"] == "Word/文本题目列表"
