"""Attack: patch module globals of the runner rather than its classes.

Every loaded module that looks like the grader's (grader_plugin, grader_wire,
grader_isolation, _pytest.*) gets its functions replaced: outcome summaries
say passed, encoders claim success, reports are rewritten. Isolated, the only
such modules in this process are the wire's candidate side, which decides
nothing.
"""

import sys


def _passed(*args, **kwargs):
    return {"event": "result", "outcome": "passed", "id": "", "duration_s": 0.0, "message": ""}


for _name, _module in list(sys.modules.items()):
    if _module is None:
        continue
    if _name.startswith(("grader", "_pytest", "pytest", "pluggy")):
        for _attr, _value in list(vars(_module).items()):
            if callable(_value) and _attr in {"_summarise", "decode", "decode_error",
                                                "_decode_plain", "recv_message"}:
                try:
                    setattr(_module, _attr, _passed)
                except Exception:
                    pass


def count_words(text):
    raise NotImplementedError


def top_words(text, n):
    raise NotImplementedError
