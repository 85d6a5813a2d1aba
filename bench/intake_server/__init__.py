"""The server side of bench/intake.py: Tousu's settings plus one app of the bench's own with a
bare two-insert endpoint (NOT part of the product), so the product's registration API and the
bare endpoint run in the same `tousu serve` processes, the same middleware and database."""
