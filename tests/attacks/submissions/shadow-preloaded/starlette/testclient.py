"""The fake TestClient: a response equal to anything. Never imported by the tests' process."""

import os


class Anything(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None

    def __getitem__(self, key):
        return self

    def __contains__(self, key):
        return True


class Response:
    status_code = Anything()
    headers = Anything()
    text = ""

    def json(self):
        return Anything()


class TestClient:
    def __init__(self, *args, **kwargs):
        with open("/tmp/.trusted-imported-fake", "w") as mark:
            mark.write(str(os.getuid()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __getattr__(self, name):
        return lambda *a, **k: Response()
