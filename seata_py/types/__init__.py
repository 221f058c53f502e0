"""The bottom layer: what several layers share, and nothing that does I/O.

``context`` binds the global transaction to the current thread or task; ``meta`` describes tables;
``images`` holds row images and undo records; ``dialect`` is the one interface a database package
implements; ``retry`` is the lock-retry policy every retry loop follows.
"""
