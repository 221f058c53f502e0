"""The bottom layer: what several layers share, and nothing that does I/O.

``context`` binds the global transaction to the current thread or task; ``meta`` describes tables;
``statements`` is the model recognition produces; ``images`` holds row images and undo records;
``dialect`` is the one interface a database package implements; ``retry`` is the lock-retry policy every
retry loop follows; ``java_numbers`` prints numbers as Java does (undo values and lock keys alike).
"""
