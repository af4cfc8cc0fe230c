"""Renderers of the report model: a distributable .xlsx file (openpyxl) and a live xlwings book."""
