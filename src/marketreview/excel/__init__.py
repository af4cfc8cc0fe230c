"""The Excel surface, in one room: everything that knows about a live workbook, xlwings or VBA.

- ``udfs`` — the worksheet functions (xlwings ``@xw.func`` wrappers, one library call each); ``udf_args`` — how a
  cell-reference argument is read (only the used part of the sheet; an empty cell is no "omitted" argument);
- ``addin`` — the Refresh button's RunPython entry point; ``refresh`` — its work (fetch, build, write, recalc);
- ``book`` — the live-workbook renderer (xlwings' object model);
- ``template`` — the ``.xlsm`` generator; ``vba_project`` — its one VBA change.

The workbook names ``marketreview.udfs`` ("UDF Modules") and ``marketreview.addin`` (the button's RunPython):
those stay importable as thin aliases of :mod:`marketreview.excel.udfs` and :mod:`marketreview.excel.addin`.
Nothing here computes a figure: the library below (engine, functions, report) does.
"""
