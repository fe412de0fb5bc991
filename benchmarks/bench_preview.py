"""Benchmark of `tthc preview` (issue 11): from saving an edited narrative sentence to the page
showing it, in Debian's headless Chromium, on the sample's largest ward (target ≤ 2 s).

The sample is generated and loaded into a temporary store (or `--db` reuses one), the
repository's params are copied to a temporary folder (the edits go there), the preview is
started in-process on a free loopback port, and Chromium opens the page. Each round replaces
the sentence and waits for the page, which reloads by itself, to show it. The first build (a
cold kernel) is reported apart.
Usage: python benchmarks/bench_preview.py [--rounds N] [--unit CODE] [--db STORE] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PERIOD = (date(2023, 1, 1), date(2023, 10, 30))
NARRATIVE = "narrative/2023-01-01_2023-10-30.yaml"
ANCHOR = "Công tác kiểm soát thủ tục hành chính tiếp tục"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--unit", default=None, help="default: the ward with most dossiers")
    parser.add_argument("--db", type=Path, default=None, help="a loaded sample store to reuse")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_preview.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tthc-bench-preview-") as tmp:
        result = run(Path(tmp), args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


def sample_store(work: Path) -> Path:
    exports, db = work / "exports", work / "tthc.duckdb"
    tthc = [sys.executable, "-m", "tthc_lib.cli"]
    subprocess.run([*tthc, "sample", "--out", str(exports)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    files = sorted(map(str, exports.glob("*.csv"))) + sorted(map(str, exports.glob("*.xlsx")))
    subprocess.run([*tthc, "--db", str(db), "ingest", *files], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return db


def largest_ward(db: Path) -> tuple[str, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT d.unit_code, count(*) FROM dossiers d JOIN units u USING (unit_code) "
            "WHERE u.level = 'commune' AND d.received_date BETWEEN ? AND ? "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1", list(PERIOD)).fetchone()
    finally:
        con.close()


def run(work: Path, args) -> dict:
    from playwright.sync_api import sync_playwright

    from tthc_lib.periods import Period
    from tthc_lib.preview.server import start, stop
    from tthc_lib.render.pdf import chromium_path
    from tthc_lib.workspace.find import resolve

    db = args.db or sample_store(work)
    unit, dossiers = (args.unit, None) if args.unit else largest_ward(db)
    shutil.copytree(ROOT / "params", work / "params")
    ws = resolve(db=str(db), params=str(work / "params"), notebooks=str(ROOT / "notebooks"))
    began = time.perf_counter()
    server, preview = start(ws, unit, Period(*PERIOD), port=0)
    first = time.perf_counter() - began
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    narrative = work / "params" / NARRATIVE
    rounds = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
            page = browser.new_page()
            page.goto(url, wait_until="load")
            for i in range(args.rounds):
                rounds.append(edit_and_wait(page, narrative, i, preview))
            browser.close()
    finally:
        stop(server, preview)
    seconds = [r["seconds"] for r in rounds]
    return {"unit": unit, "dossiers": dossiers, "first_build_s": round(first, 2),
            "rounds": rounds, "median_s": round(statistics.median(seconds), 3),
            "max_s": round(max(seconds), 3), "target_s": 2.0,
            "met": max(seconds) <= 2.0, "load_average": os.getloadavg()}


def edit_and_wait(page, narrative: Path, i: int, preview) -> dict:
    """Save a new sentence and time until the reloaded page shows it."""
    text = narrative.read_text(encoding="utf-8")
    marker = f"Câu sửa lần {i + 1} trong lúc đo."
    if i == 0:
        text = text.replace(ANCHOR, f"{marker} {ANCHOR}", 1)
    else:
        text = text.replace(f"Câu sửa lần {i} trong lúc đo.", marker, 1)
    saved = time.perf_counter()
    narrative.write_text(text, encoding="utf-8")
    page.get_by_text(marker, exact=False).first.wait_for(timeout=60000)
    shown = time.perf_counter() - saved
    last = preview.log[-1]
    return {"seconds": round(shown, 3), "rebuild_s": round(last.seconds, 3),
            "sections": last.sections}


if __name__ == "__main__":
    main()
