"""The citizen's rights (AVG/GDPR): privacy statement, consent, my data, deleting an account,
anonymising a challenge and the retention period."""
