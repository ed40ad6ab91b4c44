"""The Cloud Native Buildpacks contract, and nothing about Python apps.

Contexts built from the lifecycle's env and arguments, platform env and bindings, build plan
I/O, layers (types, metadata, env files, exec.d), launch.toml. Buildpack API 0.10.
"""
