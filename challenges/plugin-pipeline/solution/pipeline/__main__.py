"""python -m pipeline CONFIG.json < records.jsonl > out.jsonl

CONFIG.json holds the list of stages; records are JSON objects, one per line.
Stage plug-ins installed in the environment are loaded first.
"""

from __future__ import annotations

import json
import sys

from pipeline import build_pipeline, load_plugins


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    load_plugins()
    with open(args[0], encoding="utf-8") as f:
        pipeline = build_pipeline(json.load(f))
    records = (json.loads(line) for line in sys.stdin if line.strip())
    for record in pipeline.run(records):
        sys.stdout.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
