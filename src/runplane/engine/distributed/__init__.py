"""Executions on Celery workers: the broker they share with serve and what is read of it."""
