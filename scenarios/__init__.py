"""What-if runs and the service / cost / cash trade-off (built in a later issue)."""
