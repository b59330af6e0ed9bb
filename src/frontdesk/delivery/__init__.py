"""Delivery: claims due outbox rows and hands them to the senders.

Above the services: the worker, the calendar write-through (the "calendar" channel's
sender, which reads connections through the services) and the factory that picks each
channel's provider from settings.
"""
