"""The linear-time finders in rlvr/ifeval_checks/linear.py return exactly what the reference
implementations' backtracking regexes return, on random text built from the characters that
matter (brackets, angle brackets, markers, spaces, newlines, other whitespace)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr.ifeval_checks.linear import count_marker_lines, lazy_spans, title_spans

TEXT = st.text(alphabet=st.sampled_from(list("[]<>*- \n\t\u3000\u2028ab")), max_size=60)
WORD = st.text(alphabet=st.sampled_from(list("ab<>[] *")), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(TEXT, WORD, WORD)
def test_lazy_spans_equal_findall(text, opening, closing):
    assert lazy_spans(text, opening, closing) == re.findall(re.escape(opening) + ".*?" + re.escape(closing), text)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_title_spans_equal_findall(text):
    assert title_spans(text) == re.findall(r"<<[^\n]+>>", text)


@settings(max_examples=250, deadline=None)
@given(TEXT)
def test_marker_lines_equal_findall(text):
    assert count_marker_lines(text, "*", "*") == len(re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE))
    assert count_marker_lines(text, "-") == len(re.findall(r"^\s*-.*$", text, flags=re.MULTILINE))
