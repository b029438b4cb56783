"""The only code that changes an execution's state: submit, retry, cancel, run, recover."""
