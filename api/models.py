"""What the API keeps of its own: throttle counts, in the database so every worker shares them."""

from django.db import DEFAULT_DB_ALIAS, connections, models


class ThrottleCount(models.Model):
    """Requests of one caller (a key's prefix or an address) in its current window.

    A window opens at the caller's first request and lasts the throttle's period; `hit`
    counts a request and opens a new window once the last one is over, in one statement,
    so concurrent workers never lose a count.
    """

    key = models.CharField(max_length=200, primary_key=True)
    started = models.FloatField(help_text="When the current window opened (seconds since the epoch).")
    hits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hits__gte=1), name="throttle_count_positive", violation_error_message="A count."
            )
        ]

    def __str__(self):
        return f"{self.key}: {self.hits}"

    @classmethod
    def hit(cls, key: str, now: float, period: float) -> tuple[int, float]:
        """Count one request; return the requests in the window so far and when it opened."""
        table = cls._meta.db_table
        # Always the primary, and not through the router: a count is bookkeeping, and asking the
        # router for a write would send the rest of the request's reads to the primary too.
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} ("key", started, hits) VALUES (%s, %s, 1)
                ON CONFLICT ("key") DO UPDATE SET
                    hits = CASE WHEN {table}.started <= excluded.started - %s THEN 1 ELSE {table}.hits + 1 END,
                    started = CASE WHEN {table}.started <= excluded.started - %s
                                   THEN excluded.started ELSE {table}.started END
                RETURNING hits, started""",
                [key, now, period, period],
            )
            hits, started = cursor.fetchone()
        return hits, started
