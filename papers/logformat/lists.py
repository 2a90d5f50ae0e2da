"""Read a log whose papers are list items or table rows, as daily reading lists are written.

`read_items` reads each item of a numbered or bulleted list that names a
paper as a paper, its nested bullets as notes; `read_rows` reads each row of
a table of papers (`| # | Paper | Link | Notes |`). Each returns a
LogDocument, or None when the file is not written that way.
"""


def read_items(lines, text):
    """Return the papers of a list of papers (the "items" reading), or None."""
    return None


def read_rows(lines, text):
    """Return the papers of a table of papers (the "rows" reading), or None."""
    return None
