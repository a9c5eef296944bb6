"""Test doubles rlvr ships for examples, demos and users' own tests, all real and offline:

rlvr.testing.scripted_judge   ScriptedJudge: a real chat-completions server on localhost that
                              judges rubric criteria by rule and plays endpoint faults
rlvr.testing.tiny_model       build_tiny_model: a random-weight transformers model and tokenizer
                              in a directory, for end-to-end runs without downloads
"""
