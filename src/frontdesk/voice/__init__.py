"""Our own streaming voice: μ-law audio, turn detection, speech in and out, barge-in.

A door (Twilio Media Streams) translates its wire format into the events of
``pipeline.StreamingCall`` and sends back what it asks for; the call hears the caller,
asks ``Agent.turn()`` and speaks the reply through the speech providers' Protocols.
"""
