"""Runplane: the control plane for data-pipeline executions."""

__version__ = "0.1.0"
