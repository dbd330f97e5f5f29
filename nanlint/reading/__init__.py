"""Reading: which files a run checks, and their text exactly as written (Python files and
Jupyter notebooks)."""
