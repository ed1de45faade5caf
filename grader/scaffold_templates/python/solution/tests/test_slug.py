from slug import slugify


def test_words_are_joined_with_a_hyphen():
    assert slugify("hello world") == "hello-world"


def test_letters_are_lower_cased():
    assert slugify("Hello World") == "hello-world"


def test_digits_are_kept():
    assert slugify("Route 66") == "route-66"


def test_no_hyphen_at_either_end():
    assert slugify("  --Spaced out--  ") == "spaced-out"
