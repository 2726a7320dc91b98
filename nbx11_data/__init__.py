"""nbx11-data: NAS-Bench-x11 learning curves as Parquet tables.

Example:
    >>> from nbx11_data import spaces
    >>> spaces.get("nb201").arch_index("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") >= 0
    True
"""

from __future__ import annotations

__version__ = "0.1.0"
