from slug import slugify


def test_empty_text():
    assert slugify("") == ""


def test_no_leading_or_trailing_hyphen():
    assert slugify("  --Spaced out--  ") == "spaced-out"
