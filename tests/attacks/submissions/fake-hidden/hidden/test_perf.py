def test_large_text_is_counted_in_linear_time():
    pass


def test_many_distinct_words_top_k():
    pass
