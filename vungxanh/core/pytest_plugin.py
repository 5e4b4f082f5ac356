"""Loaded with ``-p`` before Django is set up (see pyproject's pytest addopts): the test
suite's environment defaults, so that they are in place when settings are read."""

import os

os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("INPUT_SAFETY_NET", "0")
