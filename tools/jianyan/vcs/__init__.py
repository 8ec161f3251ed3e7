"""Version control: the git command line and an item's history."""
