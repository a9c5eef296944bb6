"""Build a tiny random-weight causal LM with its own trained tokenizer, offline.

No model can be downloaded on training or CI machines, so end-to-end tests and the CPU demo
build one: a Llama-architecture transformer (the architecture HF transformers and vLLM both
load) of a few layers, and a byte-level BPE tokenizer trained on the given texts with
`tokenizers`. Everything is saved to a directory that loads like any hub checkpoint.
Needs the `hf` extra (torch, transformers, tokenizers).

From the shell, a model to try rlvr-eval with, offline (its answers are noise: accuracy near 0):

    python -m rlvr.tiny_model runs/tiny-model
    rlvr-eval greedy --backend hf --model runs/tiny-model --task gsm8k --data test.jsonl --limit 5 --output runs/tiny
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}

# A default corpus when the caller gives none: digits, arithmetic and common words, so that
# numbers and short English prompts tokenise into more than single bytes.
_DEFAULT_CORPUS = [
    "Question: Natalia sold 48 clips in April and half as many in May. How many clips did she sell?",
    "Answer: 48 / 2 = 24 clips in May. 48 + 24 = 72. The answer is 72. #### 72",
    "Problem: What is $\\frac{1}{2} + \\frac{1}{3}$? Solution: The sum is $\\boxed{\\frac{5}{6}}$.",
    "def add(a, b):\n    return a + b\n\nassert add(1, 2) == 3",
    "Write a response with at least 3 sentences. Do not use any commas.",
] + [f"{a} + {b} = {a + b}. {a} * {b} = {a * b}." for a in range(0, 100, 7) for b in range(0, 100, 11)]


@dataclass(frozen=True)
class TinyModelConfig:
    """Sizes of the tiny model; the defaults give about 0.1M parameters."""

    vocab_size: int = 512
    hidden_size: int = 64
    intermediate_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    max_position_embeddings: int = 2048
    seed: int = 0
    chat_template: str | None = None
    # Keep every digit its own token (pre-tokenised apart before BPE), so a model can learn
    # arithmetic digit by digit instead of memorising multi-digit tokens.
    split_digits: bool = False


def build_tiny_model(
    directory: str | Path, corpus: Iterable[str] | None = None, config: TinyModelConfig = TinyModelConfig()
) -> Path:
    """Train a tokenizer on `corpus`, build a random-weight model, save both to `directory`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = list(corpus) if corpus is not None else _DEFAULT_CORPUS

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if config.split_digits:
        bpe.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), bpe.pre_tokenizer])
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, **SPECIAL_TOKENS)
    if config.chat_template is not None:
        tokenizer.chat_template = config.chat_template
    tokenizer.save_pretrained(directory)

    torch.manual_seed(config.seed)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        max_position_embeddings=config.max_position_embeddings,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(model_config).save_pretrained(directory)
    return directory


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rlvr.tiny_model DIR`: build the default tiny model into DIR and say how to use it."""
    parser = argparse.ArgumentParser(
        prog="python -m rlvr.tiny_model",
        description="Build a tiny random-weight model and tokenizer offline (for trying rlvr-eval and tests).",
    )
    parser.add_argument("directory", help="folder to save the model in (created; files in it are replaced)")
    args = parser.parse_args(argv)
    try:
        path = build_tiny_model(args.directory)
    except ImportError as exc:
        print(f"python -m rlvr.tiny_model: {exc.name or exc} is missing: pip install 'rlvr[hf]'", file=sys.stderr)
        return 2
    print(f"tiny model saved to {path} (random weights: its answers are noise)")
    print(f"try: rlvr-eval greedy --backend hf --model {path} --task gsm8k --data PATH/TO/test.jsonl --limit 5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
