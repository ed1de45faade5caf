"""Attack: a hidden/ folder of the submission's own, with the real tests' names, all passing."""


def test_empty_text_has_no_words():
    pass


def test_counts_case_insensitively():
    pass
