"""The reviewers' Django admin: the review queue, the claim page and every other page a desk
works in, with the event chart beside its page. Writes go through claims.services."""
