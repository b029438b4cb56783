"""Read models the API, the dashboard and the CLI share: lists, an execution's detail, log
windows, health, overview figures, schedule states. Nothing here writes."""
