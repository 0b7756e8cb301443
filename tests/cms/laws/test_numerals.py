import pytest

from cms.laws.numerals import chinese_to_int, int_to_chinese


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("四十二", 42),
        ("一百", 100),
        ("一百零二", 102),
        ("一百一十", 110),
        ("一百四十三", 143),
        ("一千零一", 1001),
        ("42", 42),
    ],
)
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize(
    ("value", "text"), [(1, "一"), (10, "十"), (15, "十五"), (102, "一百零二"), (110, "一百一十")]
)
def test_int_to_chinese(value, text):
    assert int_to_chinese(value) == text


def test_round_trip_for_every_article_number():
    for value in range(1, 1000):
        assert chinese_to_int(int_to_chinese(value)) == value


@pytest.mark.parametrize("text", ["", "第一", "abc", "十a"])
def test_rejects_what_is_not_a_numeral(text):
    with pytest.raises(ValueError):
        chinese_to_int(text)
