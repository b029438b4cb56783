"""One module per dashboard page; each route parses its input, calls the engine or a store
query, and renders the template named after it."""
