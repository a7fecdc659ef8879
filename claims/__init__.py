"""The domain: claims, figures, appearances and chains, evidence and its independence,
verdicts and the change feed, with every change of state in claims.services. It imports
sources and nothing from the outer apps (api, review, exchange, intake, webhooks, bench)."""
