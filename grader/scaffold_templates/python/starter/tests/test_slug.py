from slug import slugify


def test_words_are_joined_with_a_hyphen():
    assert slugify("hello world") == "hello-world"
