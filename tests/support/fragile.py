"""A pipeline module that will not import while the file named by RUNPLANE_TEST_BREAK_IMPORT
exists: with it in `pipeline_modules`, a new fork server cannot start (the serving process
imported it long before)."""

from __future__ import annotations

import os
from pathlib import Path

_flag = os.environ.get("RUNPLANE_TEST_BREAK_IMPORT")
if _flag and Path(_flag).exists():
    raise ImportError(f"{_flag} exists: this import fails on purpose")
