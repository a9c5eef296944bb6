"""Where a completion ends: end-of-sequence token ids, and stop strings found incrementally.

Stop strings are matched on the decoded text as vLLM does: the completion ends with the token
that completes a stop string and its text is cut before it. During decoding only the rows whose
newest token can complete a stop are decoded (a token whose text holds a stop's last character,
or a piece of a multi-byte character), and only their last few tokens (enough to hold the longest
stop string), never the whole text: decoding every row every step cost as much as a small model's
forward pass on a GPU.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch


def eos_ids(tokenizer: Any, model: Any) -> set[int]:
    """Every token id that ends a completion (the generation config may list several).

    >>> sorted(eos_ids(tokenizer, model))  # doctest: +SKIP
    [151643, 151645]
    """
    config = getattr(model, "generation_config", None)
    ids = config.eos_token_id if config is not None else None
    ids = ids if isinstance(ids, list) else [ids]
    return {int(i) for i in [*ids, tokenizer.eos_token_id] if i is not None}


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop sequence, and whether one occurred.

    >>> cut_at_stop("42.\\nQuestion: next", ["Question:"])
    ('42.\\n', True)
    """
    cuts = [text.find(s) for s in stops if s and s in text]
    return (text[: min(cuts)], True) if cuts else (text, False)


@functools.lru_cache(maxsize=16)
def stop_enders(tokenizer: Any, stops: tuple[str, ...]) -> torch.Tensor:
    """A bool per token id of `tokenizer`: whether appending that token can complete one of `stops`.

    A stop string appears in the decoded text with the token that adds its last character: a
    token whose own text holds that character, or one that completes a multi-byte character
    (decoded alone, a piece of one is U+FFFD). Computed once per tokenizer and stop set.
    """
    finals = {stop[-1] for stop in stops if stop}
    texts = tokenizer.batch_decode([[i] for i in range(len(tokenizer))], skip_special_tokens=True)
    return torch.tensor([any(c in text for c in finals) or "\ufffd" in text for text in texts], dtype=torch.bool)


class StopStrings:
    """A transformers StoppingCriteria: a row is done once the decoded tail of its completion
    holds a stop string. Records, per row, the completion index of the token that completed it
    (-1 while none has)."""

    def __init__(self, tokenizer: Any, stops: Sequence[str], prompt_width: int, rows: int, device: Any) -> None:
        self.tokenizer, self.stops, self.prompt_width = tokenizer, list(stops), prompt_width
        # A token decodes to at least one character, apart from pieces of a multi-byte
        # character and special tokens: twice the longest stop leaves room for those.
        self.window = 2 * max(len(s) for s in stops) + 2
        self.stopped_at = [-1] * rows
        self.enders = stop_enders(tokenizer, tuple(self.stops)).to(device)
        self.done = torch.zeros(rows, dtype=torch.bool, device=device)

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        generated = input_ids.shape[1] - self.prompt_width
        newest = input_ids[:, -1]
        known = newest < len(self.enders)  # ids past the tokenizer (a padded vocabulary) decode to nothing
        may_end = known & self.enders[newest.clamp(max=len(self.enders) - 1)] & ~self.done
        rows = may_end.nonzero().flatten().tolist()
        if rows:
            tails = input_ids[rows, -min(self.window, generated) :].tolist()
            for row, text in zip(rows, self.tokenizer.batch_decode(tails, skip_special_tokens=True)):
                if any(s in text for s in self.stops):
                    self.stopped_at[row] = generated - 1
                    self.done[row] = True
        return self.done.clone()
