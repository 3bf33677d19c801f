"""The policy table: every SKU-location in the user's scope, active vs recommended vs proposed."""
