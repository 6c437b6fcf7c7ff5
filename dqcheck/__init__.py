"""dqcheck: data-quality checks that exit non-zero when data is bad."""

from __future__ import annotations

__version__ = "0.1.0"
