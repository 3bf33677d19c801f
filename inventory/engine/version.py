"""Version of the engine's algorithms, recorded on every run (bump when a formula changes)."""

ENGINE_VERSION = "1.1.0"  # 1.1: a lane's capacity caps orders (max_order)
