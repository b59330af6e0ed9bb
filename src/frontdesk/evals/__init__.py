"""End-to-end conversation evals: scripted callers against the real agent.

``frontdesk eval`` loads ``scenarios/*.yaml`` (:mod:`.scenario`), plays each one with a
simulated caller (:mod:`.simulator`) against the agent in-process or against a running
server (:mod:`.runner`), checks the outcome and the appointments through the REST API,
and reports task success, turns and latency (:mod:`.report`). See ``docs/EVAL.md``.
"""
