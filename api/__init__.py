"""The newsroom REST API: views, serializers, filters, key authentication and throttles, the
error handler, limits on what a request may carry, OpenAPI, and URL routing. It reads through
the domain's models and writes only through claims.services."""
