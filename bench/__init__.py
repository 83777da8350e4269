"""The benchmark: synthetic archives, and paperpress, Pelican and Hugo timed on them."""
