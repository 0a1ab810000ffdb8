"""Message Batches over DataFrame rows: templates, requests, submission, polling, joining, persistence, --sync."""
