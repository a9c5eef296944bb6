"""Chat templates and prompt encoding, in one place for eval and GRPO.

A chat template is applied only for chat models: `auto` uses it when the tokenizer has one,
because wrapping a base model's prompt in chat markup produced garbage in the seed experiments.
"""

from __future__ import annotations

from typing import Any


def use_chat_template(mode: str, tokenizer: Any) -> bool:
    """Whether to wrap prompts in the tokenizer's chat template: `on`, `off`, or `auto` (only
    when the tokenizer defines one, i.e. a chat model).

    >>> use_chat_template("off", tokenizer=None)
    False
    """
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"--chat-template must be auto, on or off, got {mode!r}")
    has_template = getattr(tokenizer, "chat_template", None) is not None
    if mode == "on" and not has_template:
        raise ValueError("--chat-template on, but the tokenizer has no chat template")
    return has_template if mode == "auto" else mode == "on"


def apply_chat_template(tokenizer: Any, prompt: str) -> str:
    """The prompt as a single user turn, with the assistant turn opened.

    >>> apply_chat_template(tokenizer, "What is 2 + 2?")  # doctest: +SKIP
    '<|im_start|>user\\nWhat is 2 + 2?<|im_end|>\\n<|im_start|>assistant\\n'
    """
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )


def encode_prompt(tokenizer: Any, prompt: str, chat: bool) -> list[int]:
    """The prompt's token ids. The chat template writes its own special tokens, so the tokenizer
    adds none to templated text (no second BOS); a plain prompt gets the tokenizer's usual ones.

    >>> encode_prompt(tokenizer, "Question: 1 + 1?", chat=False)  # doctest: +SKIP
    [1, 16492, 25, ...]
    """
    if chat:
        return tokenizer(apply_chat_template(tokenizer, prompt), add_special_tokens=False).input_ids
    return tokenizer(prompt).input_ids
