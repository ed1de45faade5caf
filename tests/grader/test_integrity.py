"""The report's integrity section and the static read of a submission (no Docker)."""

from __future__ import annotations

import io
import tarfile

from grader import integrity


def _tar(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_signals_name_the_file_line_and_kind() -> None:
    tree = _tar(
        {
            "wordfreq.py": "import re\nimport _pytest.reports\nframe = sys._getframe(1)\n",
            "helpers/gcwalk.py": "import gc\nfor o in gc.get_objects(): pass\n",
            "hidden/test_x.py": "import _pytest\n",  # the grader's own folder is not read
            "notes.txt": "import _pytest\n",
        }
    )
    found = {(s.file, s.line, s.signal) for s in integrity.scan_tar(tree)}
    assert found == {
        ("wordfreq.py", 2, "imports the test framework's internals"),
        ("wordfreq.py", 3, "walks the call stack"),
        ("helpers/gcwalk.py", 2, "searches the garbage collector"),
    }


def test_honest_code_has_no_signals() -> None:
    source = "import re\nfrom collections import Counter\n\ndef count(t):\n    return Counter(t)\n"
    assert integrity.scan_source("wordfreq.py", source) == []


def test_section_says_whether_the_guarantee_applied() -> None:
    signal = integrity.Signal("a.py", 1, "uses ctypes", "import ctypes")
    isolated = integrity.section("process", [signal], 1)
    assert isolated["guarantee"] is True and isolated["candidate_processes"] == 1
    assert isolated["signals"] == [
        {"file": "a.py", "line": 1, "signal": "uses ctypes", "text": "import ctypes"}
    ]
    assert integrity.section("shared", [], None)["guarantee"] is False
