"""Running one execution inside its own process: the runner, its run context, the log sink,
the link to its executor and what its exit code means."""
