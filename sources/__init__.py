"""Who speaks and where it is published: people, organizations, outlets, their affiliations,
and documents with their text snapshots. It imports nothing from the other apps."""
