"""`python -m bench [NAME ...] [-- options]`: runs bench/bench_*.py, each module's main(argv)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    passthrough: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, passthrough = args[:cut], args[cut + 1 :]
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    chosen = [n for n in names if not args or any(a in n for a in args)]
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main(passthrough)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
