"""In-app notifications for citizens, with e-mail when they allowed it."""
