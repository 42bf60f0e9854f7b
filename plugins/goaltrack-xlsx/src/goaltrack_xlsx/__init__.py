"""goaltrack output format ``xlsx``: a report as an Excel workbook, one sheet per table.

The goaltrack plugin itself is :mod:`goaltrack_xlsx.plugin` (entry point ``xlsx`` of group
``goaltrack``); the renderer is :class:`goaltrack_xlsx.render.XlsxFormat`. Importing this
package imports nothing else (openpyxl is imported when a workbook is rendered).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
