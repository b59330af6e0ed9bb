"""Time, intent and entity understanding in English and Spanish: pure, no I/O."""
