"""Project package: settings, URLs, navigation and cross-app glue."""
