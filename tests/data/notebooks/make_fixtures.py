"""Writes the executed-notebook fixtures of tests/render/test_render.py (run it to remake them).

Each imitates a section notebook after papermill: code inputs that must never reach the
report; display outputs (HTML, PNG) and markdown headings that must; outputs and cells
(tagged remove_cell) that must be dropped.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

HERE = Path(__file__).parent

NARRATIVE_HTML = (
    '<h2>I. Kết quả thực hiện</h2>'
    '<h3>2. Về cải cách việc thực hiện TTHC</h3>'
    '<h4>2.2. Kết quả giải quyết TTHC</h4>'
    '<p>Số hồ sơ được tiếp nhận 13.372 hồ sơ (Online: 11.009 hồ sơ; trực tiếp: 1.467 hồ sơ; '
    'kỳ trước chuyển sang: 896 hồ sơ; trong kỳ: 12.476 hồ sơ).</p>'
    '<p>Ghi chú của chuyên viên: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; '
    'được giữ nguyên là chữ.</p>'
    '<table class="tthc-table"><caption>Kết quả giải quyết hồ sơ theo đơn vị</caption>'
    '<thead><tr><th>Đơn vị</th><th>Đã giải quyết</th><th>Trước hạn</th><th>Tỷ lệ</th></tr>'
    '</thead><tbody>'
    '<tr><td>Phường Trần Hưng Đạo</td><td>4.512</td><td>4.300</td><td>95,3%</td></tr>'
    '<tr><td>Xã An Thượng</td><td>2.101</td><td>2.000</td><td>95,2%</td></tr>'
    '<tr class="total"><td>Tổng</td><td>6.613</td><td>6.300</td><td>95,3%</td></tr>'
    '</tbody></table>'
)


def _png() -> str:
    fig, ax = plt.subplots(figsize=(6, 3), dpi=60)
    ax.bar(["Trước hạn", "Đúng hạn", "Quá hạn"], [10049, 1261, 412], color="#4a72b0")
    ax.set_title("Hồ sơ đã giải quyết")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def narrative_and_table() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("## II. Đánh giá chung"),
        new_markdown_cell("Ghi chú cho chuyên viên: MARKDOWN_NOT_IN_REPORT",
                          metadata={"tags": ["remove_cell"]}),
        new_code_cell("unit = 'HD'  # CODE_NOT_IN_REPORT", metadata={"tags": ["parameters"]}),
        new_code_cell("show(section_html())  # CODE_NOT_IN_REPORT", outputs=[
            new_output("stream", name="stderr", text="STDERR_NOT_IN_REPORT\n"),
            new_output("stream", name="stdout", text="STDOUT_NOT_IN_REPORT\n"),
            new_output("display_data", data={"text/html": NARRATIVE_HTML,
                                             "text/plain": "<IPython.core.display.HTML>"}),
            new_output("execute_result", execution_count=3,
                       data={"text/plain": "REPR_NOT_IN_REPORT"}),
            new_output("display_data", data={"application/javascript": "JS_NOT_IN_REPORT()"}),
        ]),
    ], metadata={"papermill": {"input_path": "notebooks/03_dossiers.ipynb"}})


def chart() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_code_cell("plot_timeliness(figures)  # CODE_NOT_IN_REPORT", outputs=[
            new_output("display_data", data={"image/png": _png(),
                                             "text/plain": "<Figure size 360x180 with 1 Axes>"}),
        ]),
    ])


def failed() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_code_cell("1 / 0", outputs=[
            new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=["ZeroDivisionError: division by zero"]),
        ]),
    ], metadata={"papermill": {"input_path": "notebooks/04_online.ipynb"}})


if __name__ == "__main__":
    for make in (narrative_and_table, chart, failed):
        nbformat.write(make(), HERE / f"{make.__name__}.ipynb")
