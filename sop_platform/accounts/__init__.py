"""Logins and API tokens: failed-login throttling, hashed tokens, password changes and resets."""
