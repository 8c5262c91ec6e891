"""The tool wing: files, datasets, checkpoints, runtime, the run and its commands, built on the lesson (the package top level)."""
