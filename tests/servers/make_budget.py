#!/usr/bin/python3 -B
"""make_budget.py XLSX CSV - write the demo budget sheet for the WebDAV share.

A small 2026 budget as an .xlsx (python3-openpyxl) with numbers, Chinese
labels and formulas (row and column totals), and the same table as CSV with
the totals computed. atrium's sheets module must read both. Used by
tests/servers/seed.
"""

import csv
import sys

from openpyxl import Workbook
from openpyxl.styles import Font

HEADER = ["Item / 项目", "Q1", "Q2", "Q3", "Q4", "Total / 合计"]
ROWS = [
    ("Salaries / 工资", 12000, 12000, 12500, 12500),
    ("Travel / 差旅", 800, 1200, 950, 600),
    ("Office supplies / 办公用品", 150, 90, 120, 200),
    ("Software / 软件", 420, 420, 480, 480),
    ("Training / 培训", 0, 1500, 0, 750),
]


def main(xlsx_path, csv_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Budget 2026"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, (item, *quarters) in enumerate(ROWS, start=2):
        ws.append([item, *quarters, f"=SUM(B{i}:E{i})"])
    last = len(ROWS) + 1
    total_row = last + 1
    ws.append(["Total / 合计"] + [f"=SUM({c}2:{c}{last})" for c in "BCDEF"])
    ws.append(["Average per quarter / 季度平均", None, None, None, None, f"=F{total_row}/4"])
    ws.column_dimensions["A"].width = 30
    for col in "BCDEF":
        for row in range(2, total_row + 2):
            ws[f"{col}{row}"].number_format = "#,##0"
    wb.save(xlsx_path)

    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for item, *quarters in ROWS:
            out.writerow([item, *quarters, sum(quarters)])
        sums = [sum(r[q] for r in ROWS) for q in range(1, 5)]
        out.writerow(["Total / 合计", *sums, sum(sums)])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[0])
    main(sys.argv[1], sys.argv[2])
