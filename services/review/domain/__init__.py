"""Review's domain: reviewing bodies and their jurisdiction, the recommendation chain and its rules.

Pure code: no I/O, no framework. The service layer loads state, lets these functions decide and
commits the events they return.
"""
