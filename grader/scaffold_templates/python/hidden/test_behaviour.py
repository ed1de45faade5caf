from slug import slugify


def test_words_are_joined_with_hyphens():
    assert slugify("Hello, World!") == "hello-world"


def test_digits_are_kept():
    assert slugify("Route 66") == "route-66"
