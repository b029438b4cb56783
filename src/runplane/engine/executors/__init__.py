"""Executors: where executions run. `local` runs them in processes on this machine."""
