"""python -m loganalytics ACCESS_LOG [--top K] [--min-count N]"""

from __future__ import annotations

import argparse

from loganalytics.analyze import analyze


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loganalytics", description=__doc__)
    parser.add_argument("log")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--min-count", type=int, default=1)
    args = parser.parse_args(argv)
    report = analyze(args.log, k=args.top, min_count=args.min_count)
    print(f"{report.total_lines} lines, {report.malformed_lines} malformed")
    print(f"{'endpoint':<45} {'count':>8} {'5xx':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
    for s in report.endpoints:
        print(f"{s.endpoint:<45} {s.count:>8} {s.errors:>6} {s.p50_ms:>6} {s.p95_ms:>6} "
              f"{s.p99_ms:>6} {s.max_ms:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
