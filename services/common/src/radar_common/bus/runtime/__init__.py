"""The worker runtime, one role per module (``radar_common.bus.worker`` re-exports the API).

- :mod:`~.errors`: what a handler raises to say "never" (``PermanentError``) or the runtime
  raises for a step over its time limit (``StepTimeout``);
- :mod:`~.delivery`: the message as JetStream delivered it, as typed data;
- :mod:`~.context`: what a handler may know and do (reports buffered, one task write);
- :mod:`~.stage`: a worker's role (consumer, decoder, handler, outputs);
- :mod:`~.decode`: protobuf decoders;
- :mod:`~.outage`: "a dependency is down" versus "this input failed", and waiting it out;
- :mod:`~.retry`: backoff, the step timeout, when to give up;
- :mod:`~.hint`: the task record passed along with the work;
- :mod:`~.dead_lettering`: giving up on a delivery;
- :mod:`~.pull`: the pull loop;
- :mod:`~.worker`: one message through a stage, from decode to ack.
"""
