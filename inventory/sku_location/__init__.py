"""The SKU-location page: every number of one SKU-location's policy, explained."""
