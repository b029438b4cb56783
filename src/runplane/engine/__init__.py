"""The only code that changes an execution's state: submit, retry, cancel, run, recover,
schedule. What it reads to decide, it reads from `store`; read models are `views/`."""
