"""Word and text question lists written the way exam offices write them, for the tests and the
benchmark: python-docx documents with typed numbers, Word's automatic numbering (a numbered
list style and a list of our own numbering definition), tables and pictures."""

from __future__ import annotations

import io

import docx
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from PIL import Image


def png(colour: str = "red", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    """One paragraph per entry, as typed. (The paragraphs are put in place directly:
    ``Document.add_paragraph`` looks for the section properties on every call, which makes a
    20,000-paragraph document take a minute to write.)"""
    document = docx.Document()
    section = document.element.body.find(qn("w:sectPr"))
    for text in paragraphs:
        p, r, t = OxmlElement("w:p"), OxmlElement("w:r"), OxmlElement("w:t")
        t.text = text
        t.set(qn("xml:space"), "preserve")
        r.append(t)
        p.append(r)
        section.addprevious(p)
    return save(document)


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_numbering(document, levels: list[tuple[str, str]]) -> str:
    """A numbering definition of our own (what Word writes for a multi-level list): level i
    has (numFmt, lvlText), e.g. [("decimal", "%1."), ("upperLetter", "%2.")]. Returns the
    numId to put on paragraphs."""
    numbering = document.part.numbering_part.element
    abstract_ids = [
        int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))
    ]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    abstract_id = max(abstract_ids, default=0) + 10
    num_id = max(num_ids, default=0) + 10
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'
    )
    num = parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return str(num_id)


def numbered(document, text: str, num_id: str, level: int = 0):
    """A paragraph carrying Word's automatic numbering (its number is not in its text)."""
    paragraph = document.add_paragraph(text)
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )
    return paragraph


def picture_paragraph(document, before: str, image: bytes, after: str = ""):
    paragraph = document.add_paragraph()
    if before:
        paragraph.add_run(before)
    paragraph.add_run().add_picture(io.BytesIO(image))
    if after:
        paragraph.add_run(after)
    return paragraph


LAWS = [
    ("行政许可法", "第四十二条", "行政法/行政许可"),
    ("行政处罚法", "第三十六条", "行政法/行政处罚"),
    ("行政复议法", "第二十条", "行政法/行政复议"),
    ("宪法", "第二条", "宪法"),
]


def hundred_question_list(count: int = 100) -> tuple[list[str], list[dict]]:
    """A bank as an office writes it: three sections, typed numbers in the forms offices use,
    options several to a line or one a line, keys, explanations over two lines, citations.
    Returns the paragraphs and what each question must come out as."""
    paragraphs = ["2026年度行政执法人员法律知识题库", ""]
    expected: list[dict] = []
    sections = [
        ("一、单项选择题（每题1分）", "single"),
        ("二、多项选择题（每题2分）", "multiple"),
        ("三、判断题", "true_false"),
    ]
    numbers = ["{n}.", "{n}、", "{n}．", "（{n}）", "({n})", "第{n}题"]
    per_section = count // 3 + 1
    n = 0
    for heading, kind in sections:
        paragraphs.append(heading)
        for _ in range(per_section):
            if n == count:
                break
            n += 1
            law, article, topic = LAWS[n % len(LAWS)]
            stem = f"依据《{law}》{article}，关于第{n}题所述情形，下列说法正确的是"
            paragraphs.append(numbers[n % len(numbers)].format(n=n) + stem)
            item = {
                "position": f"第 {n} 题",
                "kind": kind,
                "stem": stem,
                "citations": f"{law}{article}",
                "topic": topic,
                "explanation": f"本题考查《{law}》{article}。\n第{n}题的要点在于法定期限。",
                "difficulty": n % 5 + 1,
            }
            if kind == "true_false":
                answer = n % 2 == 0
                paragraphs.append(
                    ("答案：√" if answer else "答案：×")
                    if n % 3
                    else ("参考答案: 正确" if answer else "参考答案: 错误")
                )
                item["answer_true"] = answer
            else:
                options = [f"选项{n}-{letter}" for letter in "ABCD"]
                if n % 2:
                    paragraphs.append(
                        "  ".join(
                            f"{letter}.{text}" for letter, text in zip("ABCD", options, strict=True)
                        )
                    )
                else:
                    paragraphs.extend(
                        f"{letter}、{text}" for letter, text in zip("ABCD", options, strict=True)
                    )
                key = "ABCD"[n % 4] if kind == "single" else ("ABD", "BC", "ACD", "AB")[n % 4]
                paragraphs.append(
                    ("答案：", "正确答案：", "【答案】")[n % 3] + "、".join(key)
                    if n % 3 == 2
                    else ("答案：", "正确答案：", "【答案】")[n % 3] + key
                )
                item["options"] = [
                    (text, letter in key) for letter, text in zip("ABCD", options, strict=True)
                ]
            paragraphs.append(("解析：", "【解析】")[n % 2] + item["explanation"].split("\n")[0])
            paragraphs.append(item["explanation"].split("\n")[1])
            paragraphs.append(f"难度：{item['difficulty']}")
            paragraphs.append(
                ("法条：", "依据：", "法律依据：", "【法条】")[n % 4] + item["citations"]
            )
            paragraphs.append(("知识点：", "分类：")[n % 2] + topic)
            paragraphs.append("")
            expected.append(item)
    return paragraphs, expected
