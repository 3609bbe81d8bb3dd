"""Every write in discussions: threads and posts, ideas, decisions (one module each)."""
