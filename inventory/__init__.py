"""Items, locations, the replenishment network, stock positions and inventory policies."""
