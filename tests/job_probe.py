"""A job kind for the runner's tests: reports a few steps, sleeps, fails on request."""

from __future__ import annotations

import os
import time

from ops.runner import JobContext, Outcome


def run(context: JobContext) -> Outcome:
    params = context.job.params
    steps = int(params.get("steps", 3))
    for i in range(steps):
        context.progress(f"第 {i + 1} 步", i / steps, force=True)
        time.sleep(float(params.get("seconds", 0.3)) / steps)
    if params.get("fail"):
        raise RuntimeError("探针按要求失败")
    return Outcome(f"完成 {steps} 步", {"pid": os.getpid(), "steps": steps})
