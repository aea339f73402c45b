"""The composition root: builds the platform's services from the settings, for every door."""
