"""Speech parts behind small Protocols (issue 15): speech to text, text to speech, voice
activity. One provider per module; every heavy library is an optional import, so the
package imports (and its tests skip) on a machine without the ``speech`` extra.
"""
