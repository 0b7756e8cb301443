"""The parser against every real law file, counted independently with a regex."""

import pytest

from cms.laws.parser import LawParseError, law_file_parse, law_text_parse
from tests.conftest import LAWS_DIR

from .conftest import article_paragraph_count, manifest_rows


@pytest.mark.parametrize("row", manifest_rows(), ids=lambda row: row["file"])
def test_every_article_paragraph_becomes_one_article(row):
    path = LAWS_DIR / row["file"]
    parsed = law_file_parse(path)

    assert parsed.title == row["title"]
    assert len(parsed.articles) == article_paragraph_count(path)
    assert [a.number for a in parsed.articles] == sorted({a.number for a in parsed.articles})


def test_known_counts():
    counts = {
        "constitution_2018-03-11.md": 143,
        "administrative-licensing-law_2019-04-23.md": 83,
        "administrative-reconsideration-law_2017-09-01.md": 43,
        "administrative-reconsideration-law_2023-09-01.md": 90,
        "legislation-law_2023-03-13.md": 120,
    }
    for name, count in counts.items():
        assert len(law_file_parse(LAWS_DIR / name).articles) == count


def test_constitution_preamble_chapters_and_comments():
    parsed = law_file_parse(LAWS_DIR / "constitution_2018-03-11.md")

    assert parsed.preamble[0].startswith("中国是世界上历史最悠久的国家之一。")
    assert len(parsed.preamble) == 13
    assert not any("<!--" in paragraph for paragraph in parsed.preamble)
    assert "1982年12月4日 第五届全国人民代表大会第五次会议通过" in parsed.history
    assert all(a.chapter != "序言" for a in parsed.articles)
    first = parsed.articles[0]
    assert (first.number, first.label, first.chapter) == (1, "第一条", "第一章 总纲")
    assert first.text.startswith("中华人民共和国是工人阶级领导的")


def test_multi_paragraph_article_and_section():
    parsed = law_file_parse(LAWS_DIR / "administrative-reconsideration-law_2023-09-01.md")
    article = parsed.articles[1]

    assert article.label == "第二条"
    assert article.text == (
        "公民、法人或者其他组织认为行政机关的行政行为侵犯其合法权益，向行政复议机关提出"
        "行政复议申请，行政复议机关办理行政复议案件，适用本法。\n"
        "前款所称行政行为，包括法律、法规、规章授权的组织的行政行为。"
    )
    assert "\u200b" not in "".join(a.text for a in parsed.articles)
    sectioned = [a for a in parsed.articles if a.section]
    assert sectioned and sectioned[0].section.startswith("第一节")


def test_items_stay_in_their_article():
    parsed = law_file_parse(LAWS_DIR / "administrative-licensing-law_2019-04-23.md")
    article = next(a for a in parsed.articles if a.number == 12)
    assert "（一）" in article.text and "（六）" in article.text


def test_rejects_a_file_without_info_end():
    with pytest.raises(LawParseError):
        law_text_parse("# 某法\n\n第一条 内容。\n")
