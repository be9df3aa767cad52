"""Streamed exports of analytics' views: any table as CSV or XLSX (issue 6).

:mod:`.catalog` lists the tables (their Chinese columns and the query that feeds them), :mod:`.filters`
checks what the caller asked for, :mod:`..adapters.export_rows` reads the rows from the database a partition at a
time on one server-side cursor, :mod:`.writers` turns them into CSV chunks or a write-only workbook on
a temporary file, :mod:`.access` says who may export what, and :mod:`.routes` serves them.
"""
