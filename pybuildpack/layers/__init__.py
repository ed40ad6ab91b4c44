"""One module per layer. Each takes the build context and plan, and returns what it made."""
