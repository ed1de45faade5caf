import re


def slugify(text: str) -> str:
    return "-".join(re.findall(r"[A-Za-z0-9]+", text))
