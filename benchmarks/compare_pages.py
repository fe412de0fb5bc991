"""The sample's pages at two commits, compared pixel for pixel (issue 19: a refactor must leave
the sample's report as it was).

    python benchmarks/compare_pages.py 02b0e16 main [--unit HD] [--period 2023-01-01:2023-10-30]

Each commit is checked out in a temporary `git worktree`; the sample exports are generated
once (by the second commit's code, so both commits read the same bytes), then each commit's
own code loads them into its own store and renders the unit's PDF and HTML, with that tree on
PYTHONPATH and this interpreter (the project's venv). The PDF pages are rasterised with
`pdftoppm` and compared pixel for pixel (PIL; PDFs carry creation dates, so their bytes
differ anyway); the HTML is compared as text. Prints one line per page (same / differs, with
the bounding box of the changed pixels) and keeps the PNGs under --keep for a look.
Exit 0 when every page is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path

from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, tree: Path | None = None) -> None:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd[:6])} …: exit {out.returncode}\n{out.stderr[-2000:]}")


def render(tree: Path, exports: Path, work: Path, unit: str, period: str) -> Path:
    """The unit's report folder rendered by the code of `tree` (its own params, notebooks)."""
    db, out = work / "store.duckdb", work / "out"
    cli = [sys.executable, "-m", "tthc_lib.cli", "--db", str(db)]
    _run([*cli, "ingest", *sorted(str(p) for p in exports.iterdir())], tree, tree)
    _run([*cli, "report", "--period", period, "--unit", unit, "--to", "html,pdf", "--jobs",
          "1", "--out", str(out)], tree, tree)
    return next(p.parent for p in out.rglob(f"{unit}.pdf"))


def pages(pdf: Path, into: Path, dpi: int) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(into / "p")], check=True)
    return sorted(into.glob("p-*.png"))


def _html_text(path: Path) -> list[str]:
    """The visible text of a report, one line per paragraph, heading or table row (the
    markup, style sheet and embedded images aside: the pages compare those)."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"),
                  flags=re.DOTALL)
    text = re.sub(r"</(p|h\d|tr|li|div|caption)>", "\n", re.sub(r"<img[^>]*>", " ", text))
    lines = (" ".join(unescape(line).split()) for line in re.sub(r"<[^>]+>", " ", text)
             .splitlines())
    return [line for line in lines if line]


def compare(a: list[Path], b: list[Path]) -> list[str]:
    """One line per page: "trang N: giống" or what differs."""
    lines = []
    for n in range(max(len(a), len(b))):
        if n >= len(a) or n >= len(b):
            lines.append(f"page {n + 1}: only in {'B' if n >= len(a) else 'A'}")
            continue
        ia, ib = Image.open(a[n]).convert("RGB"), Image.open(b[n]).convert("RGB")
        if ia.size != ib.size:
            lines.append(f"page {n + 1}: differs (size {ia.size} vs {ib.size})")
            continue
        box = ImageChops.difference(ia, ib).getbbox()
        lines.append(f"page {n + 1}: same" if box is None else
                     f"page {n + 1}: differs in box {box}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("commit_a")
    ap.add_argument("commit_b")
    ap.add_argument("--unit", default="HD")
    ap.add_argument("--period", default="2023-01-01:2023-10-30")
    ap.add_argument("--spec", default="params/sample_city.yaml",
                    help="the sample spec, relative to the second commit's tree")
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--keep", default=None, help="folder to keep the PNGs and reports in")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="compare_pages_"))
    keep = Path(args.keep) if args.keep else tmp
    trees = {}
    try:
        for name, commit in (("A", args.commit_a), ("B", args.commit_b)):
            trees[name] = tmp / f"tree_{name}"
            _run(["git", "worktree", "add", "--detach", str(trees[name]), commit], REPO)
        exports = tmp / "exports"
        _run([sys.executable, "-m", "tthc_lib.cli", "sample", "--out", str(exports), "--spec",
              args.spec], trees["B"], trees["B"])
        folders, pngs = {}, {}
        for name in ("A", "B"):
            folders[name] = render(trees[name], exports, tmp / f"work_{name}", args.unit,
                                   args.period)
            pngs[name] = pages(folders[name] / f"{args.unit}.pdf", keep / name, args.dpi)
            if keep != tmp:
                shutil.copytree(folders[name], keep / f"report_{name}", dirs_exist_ok=True)
        lines = compare(pngs["A"], pngs["B"])
        html_a, html_b = (_html_text(folders[n] / f"{args.unit}.html") for n in ("A", "B"))
        lines.append("html text: same" if html_a == html_b else "html text: differs")
        lines += [f"  A: {x}\n  B: {y}" for x, y in zip(html_a, html_b) if x != y]
        print(f"{args.commit_a} (A) vs {args.commit_b} (B), {args.unit}, {args.period}, "
              f"{len(pngs['A'])} vs {len(pngs['B'])} pages; PNGs in {keep}")
        print("\n".join(lines))
        return 0 if all(line.endswith("same") for line in lines if line[0] != " ") else 1
    finally:
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False,
                           capture_output=True)
        if keep != tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
