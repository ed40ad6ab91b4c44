"""Reading the app: decides everything a build does, writes nothing."""
