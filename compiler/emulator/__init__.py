"""The CodePipeline emulator: executes a compiled CreatePipeline body (or a ``get-pipeline`` dump) on this machine.

It reads the pipeline JSON alone — never the ``.wave`` file or the IR — and follows the rules of
``docs/emulator.md`` (each numbered, with its AWS source): stages in order, ``runOrder`` groups, stage
conditions and their rules, rollback, retry and manual approvals, on a virtual clock (``--speed``). What
"deploy action A ran" means here comes from a stand-in table; alarms, failures and approvals come from a
scenario. Anything no rule covers is refused (:class:`~wavec.emulator.model.Refusal`), never guessed.

Modules: ``model`` (the pipeline, validated), ``scenario`` (the world: alarms, failures, approvals),
``standins`` (what actions run), ``engine`` (the execution), ``report`` (the final report),
``aws_shim`` (the ``aws`` command that Commands actions and rules see, answering from the scenario).
"""
