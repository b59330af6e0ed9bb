"""What an operator watches: Prometheus metric objects and the log context.

The lowest layer beside ``config`` and ``errors``: every layer may count and name what
it is doing here, and this package imports nothing of ours.
"""
