"""`python -m rlvr.tiny_model DIR`: build the tiny offline model into DIR (see rlvr.testing.tiny_model).

The model and its builder live in rlvr.testing with the other test doubles; this is only the
short command the README's quick start uses.
"""

from rlvr.testing.tiny_model import main

if __name__ == "__main__":
    raise SystemExit(main())
