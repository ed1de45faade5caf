"""Attack: walk the caller's frames to find the expected value, and return it.

In the test process, ``assert count_words(x) == {...}`` keeps the expected
dict in the test's code object constants and locals; a forger can find the
comparison's other side there. Isolated, the callers' frames are the wire's
dispatcher in this process: the test's frame is in another process.
"""

import ast
import inspect
import sys


def _expected_from_callers(name):
    frame = sys._getframe(2)
    while frame is not None:
        try:
            source = inspect.getsource(frame.f_code)
        except Exception:
            frame = frame.f_back
            continue
        for node in ast.walk(ast.parse(source.strip())):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call):
                func = node.left.func
                if getattr(func, "id", None) == name:
                    try:
                        return ast.literal_eval(node.comparators[0])
                    except Exception:
                        pass
        frame = frame.f_back
    raise NotImplementedError


def count_words(text):
    return _expected_from_callers("count_words")


def top_words(text, n):
    return _expected_from_callers("top_words")
