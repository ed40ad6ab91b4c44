"""What runs after the layers: the entrypoint check and Django collectstatic."""
