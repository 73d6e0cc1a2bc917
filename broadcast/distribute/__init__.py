"""Publishing: occurrences → signed manifest per receiver (and, later, push deliveries)."""
