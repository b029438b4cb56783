"""Bulk retry and bulk cancel: a preview freezes the set (`preview.py`), an operation acts
on exactly that set, item by item (`operation.py`), and `serve` works through running
operations at a throttled pace (`engine/serving/bulk_runner.py`)."""
