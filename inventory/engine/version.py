"""Version of the engine's algorithms, recorded on every run (bump when a formula changes)."""

ENGINE_VERSION = "1.0.0"
