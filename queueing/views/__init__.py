"""HTML pages of the queue: the front page, the citizens' pages and the officers' desk."""
