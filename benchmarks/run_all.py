"""Run every benchmark (`benchmarks/bench_*.py`, in name order), each in its own process.

`make bench` calls this. Each benchmark prints its table and writes its JSON under
benchmarks/results/ (not committed). Exits 1 when any benchmark failed; the others still run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each bench_*.py with this interpreter; return the exit status for the shell."""
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        began = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"== {script.name}: {'ok' if code == 0 else f'FAILED ({code})'} "
              f"in {time.perf_counter() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print("Failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
