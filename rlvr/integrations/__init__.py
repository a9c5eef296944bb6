"""rlvr rewards inside the trainers people already use, one small module per trainer.

    rlvr.integrations.trl        reward_func / async_reward_func for TRL's GRPOTrainer
    rlvr.integrations.verl       compute_score / compute_score_async / compute_score_batch for verl's
                                 custom reward function
    rlvr.integrations.verifiers  reward_func for a `Rubric` of the `verifiers` library
    rlvr.integrations.openrlhf   OpenRLHF's remote reward model contract (served by `rlvr serve`)
                                 and its in-process reward_func
    rlvr.integrations.slime      slime's custom reward function (--custom-rm-path) and remote_rm contract

None of them imports its trainer: each speaks the trainer's documented call contract with plain
Python values, so importing an adapter costs nothing and works without the trainer installed.
"""
