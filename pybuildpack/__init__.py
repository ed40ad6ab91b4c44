"""pybuildpack: a Cloud Native Buildpack for Python apps."""
