"""The lab wing: benchmarks, the nanoGPT side by side and the ablations. It imports the lesson and the tool; nothing imports it."""
