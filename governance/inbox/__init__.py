"""The exceptions inbox: every open exception in the user's scope, across runs."""
