"""The practice catalogue: sheets loaded from practices/, browsed, searched and compared."""
