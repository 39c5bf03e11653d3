#!/usr/bin/env python3
"""Exports cannot run formulas: citizens' titles that a spreadsheet would
take for formulas are submitted through the form, the inbox is downloaded
as CSV and .xlsx, and the files are read back with Python's csv module and
openpyxl (what the office's tools read them as): every such cell is text,
none a formula.

Usage: export-test.py BIN   (needs openpyxl; exits 1 on any live formula)
"""
import csv
import io
import sys
import tempfile

import openpyxl

from testkit import Browser, Server

HOSTILE = [
    '=HYPERLINK("http://evil.example/x","点击查看")',
    "=1+1 路灯不亮已经一周",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+86 13812345678 路灯不亮",
    "-2+3 夏北三巷路灯不亮",
]

directory = tempfile.mkdtemp()
server = Server(sys.argv[1], f"{directory}/export.db")
try:
    citizen = Browser(server.port)
    for title in HOSTILE:
        res = citizen.submit(title)
        assert res.status == 303, (title, res.status)
    server.add_user("clerk", "dispatcher")
    office = Browser(server.port)
    assert office.login("clerk") == 303

    res, body = office.get("/staff/matters.csv?state=")
    assert res.status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    titles = [row[1] for row in rows[1:]]
    for title in HOSTILE:
        assert f"'{title}" in titles, (title, titles)
    print(f"csv: {len(HOSTILE)} hostile titles, each led by an apostrophe (shown as text)")

    res, body = office.get("/staff/matters.xlsx?state=")
    assert res.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if c.value}
    for title in HOSTILE:
        cell = cells.get(title)
        assert cell is not None, (title, list(cells)[:10])
        assert cell.data_type == "s", (title, cell.data_type)
        assert cell.quotePrefix, title
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas, formulas
    print(f"xlsx: {len(HOSTILE)} hostile titles, each a string cell with the quote prefix; "
          f"{sheet.max_row * sheet.max_column} cells, no formula")
finally:
    server.stop()
