"""What `runplane serve` keeps alive beside its web server: the worker row and heartbeat,
lost-execution recovery, in-process wake-ups, metrics, and the runtime that starts them."""
