"""The monthly S&OP cycle: the 15-check diagnostic, the executive scorecard and the policy
review gate with executive sign-off."""
