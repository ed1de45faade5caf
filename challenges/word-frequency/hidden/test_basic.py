import pytest

from wordfreq import count_words, top_words


def test_empty_text_has_no_words():
    assert count_words("") == {}
    assert top_words("", 3) == []


def test_counts_case_insensitively():
    assert count_words("Go go GO stop") == {"go": 3, "stop": 1}


def test_punctuation_separates_words():
    assert count_words("end.start,middle;end") == {"end": 2, "start": 1, "middle": 1}


def test_apostrophes_inside_words_are_kept():
    assert count_words("don't 'quote' it's") == {"don't": 1, "quote": 1, "it's": 1}


def test_digits_are_word_characters():
    assert count_words("route 66 and 66") == {"route": 1, "66": 2, "and": 1}


def test_top_words_orders_by_count_then_alphabetically():
    assert top_words("b a c b a b", 3) == [("b", 3), ("a", 2), ("c", 1)]
    assert top_words("pear apple pear apple fig", 2) == [("apple", 2), ("pear", 2)]


def test_top_words_with_fewer_distinct_words_than_n():
    assert top_words("one two", 5) == [("one", 1), ("two", 1)]


@pytest.mark.parametrize("n", [0, -1])
def test_top_words_rejects_non_positive_n(n):
    with pytest.raises(ValueError):
        top_words("a b c", n)
