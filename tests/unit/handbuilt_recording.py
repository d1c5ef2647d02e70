"""A hand-built 12-hour recording whose every measure can be worked out on paper (shared by the unit tests).

Two stages in one stream: S1 served by team `a` (capacity 1), S2 by team `b` (capacity 2). Three cases:

| case | item | arrival | S1 ready/start/complete | S2 ready/start/complete | case complete |
|---|---|---|---|---|---|
| r0-x-000001 | x (SLA 10h) | 0 | 0 / 1 / 3 | 3 / 3 / 5 | 5 |
| r0-x-000002 | x (SLA 10h) | 2 | 2 / 3 / 4 | 4 / 6 / — (in service at 12) | — |
| r0-y-000003 | y (SLA 4h), spawned from 000001 | 5 | 5 / 5 / 8 | 8 / 9 / 11 | 11 |

Team `a` is busy 1–3, 3–4, 5–8 (6 h of 12); team `b` busy 3–5 (1), 6–9 (1), 9–11 (2), 11–12 (1): 10 server-hours.
Servers (idle longest first): `a`'s one server 1 does every S1 visit; at `b`, 000001 gets server 1 (3–5), 000002
server 2 (from 6), 000003 server 1 again (9–11).
Queue S1 holds 1 item during 0–1 and 2–3; queue S2 during 4–6 and 8–9.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from sim.distributions import Fixed
from sim.network import ItemClass, Network, NoArrivals, RunSettings, Stage, Team
from sim.recording import Recording
from sim.replications import Replications

NAN = math.nan
START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone(timedelta(hours=1)))
START_UTC = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
HORIZON_H = 12.0


def handbuilt_network(warmup_h: float = 0.0) -> Network:
    """The two-stage network the hand-built recording belongs to."""
    return Network(
        name="handbuilt",
        run=RunSettings(start=START, horizon_h=HORIZON_H, warmup_h=warmup_h, replications=1, seed=1),
        teams={"a": Team("a", 1), "b": Team("b", 2)},
        stages={
            "S1": Stage("S1", "s", "a", Fixed(1.0)),
            "S2": Stage("S2", "s", "b", Fixed(1.0)),
        },
        item_classes={
            "x": ItemClass("x", "s", ("S1", "S2"), NoArrivals(), priority=2, sla_h=10.0),
            "y": ItemClass("y", "s", ("S1", "S2"), NoArrivals(), priority=1, sla_h=4.0),
        },
        streams=("s",),
    )


def handbuilt_recording(replication: int = 0, shift_h: float = 0.0) -> Recording:
    """The recording of the table above (case ids prefixed `r<replication>`; every time moved by `shift_h`)."""
    prefix = f"r{replication}"
    one, two, three = f"{prefix}-x-000001", f"{prefix}-x-000002", f"{prefix}-y-000003"
    s = shift_h
    visits = pd.DataFrame(
        {
            "case": pd.array([one, one, two, two, three, three], dtype="str"),
            "item": pd.array(["x", "x", "x", "x", "y", "y"], dtype="str"),
            "stream": pd.array(["s"] * 6, dtype="str"),
            "stage": pd.array(["S1", "S2"] * 3, dtype="str"),
            "team": pd.array(["a", "b"] * 3, dtype="str"),
            "server": np.array([1, 1, 1, 2, 1, 1], dtype="int64"),
            "ready_h": np.array([0, 3, 2, 4, 5, 8], dtype="float64") + s,
            # no hand-off, gate, batch or escalation: each wait ends at ready, the item joins the queue then
            "handoff_done_h": np.array([0, 3, 2, 4, 5, 8], dtype="float64") + s,
            "gate_done_h": np.array([0, 3, 2, 4, 5, 8], dtype="float64") + s,
            "queued_h": np.array([0, 3, 2, 4, 5, 8], dtype="float64") + s,
            "escalated_h": np.full(6, NAN),
            "start_h": np.array([1, 3, 3, 6, 5, 9], dtype="float64") + s,
            "complete_h": np.array([3, 5, 4, NAN, 8, 11], dtype="float64") + s,
            "batch": np.full(6, -1, dtype="int64"),
        }
    )
    cases = pd.DataFrame(
        {
            "case": pd.array([one, two, three], dtype="str"),
            "item": pd.array(["x", "x", "y"], dtype="str"),
            "stream": pd.array(["s"] * 3, dtype="str"),
            "scenario": pd.array(["X scenario", "X scenario", "Y scenario"], dtype="str"),
            "priority": np.array([2, 2, 1], dtype="int64"),
            "parent": pd.array([None, None, one], dtype="str"),
            "arrival_h": np.array([0, 2, 5], dtype="float64") + s,
            "complete_h": np.array([5, NAN, 11], dtype="float64") + s,
            "sla_h": np.array([10, 10, 4], dtype="float64"),
        }
    )
    queues = pd.DataFrame(
        {
            "time_h": np.array([0, 0, 0, 1, 2, 3, 4, 6, 8, 9], dtype="float64"),
            "stage": pd.array(["S1", "S2", "S1", "S1", "S1", "S1", "S2", "S2", "S2", "S2"], dtype="str"),
            "queue_length": np.array([0, 0, 1, 0, 1, 0, 1, 0, 1, 0], dtype="int64"),
        }
    )
    busy = pd.DataFrame(
        {
            "time_h": np.array([0, 0, 1, 3, 3, 3, 4, 5, 5, 6, 8, 9, 11], dtype="float64"),
            "team": pd.array(["a", "b", "a", "a", "a", "b", "a", "a", "b", "b", "a", "b", "b"], dtype="str"),
            "busy": np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 2, 1], dtype="int64"),
        }
    )
    return Recording(
        visits=visits,
        cases=cases,
        queues=queues,
        busy=busy,
        horizon_h=HORIZON_H,
        replication=replication,
        network_name="handbuilt",
    )


def handbuilt_replications(warmup_h: float = 0.0, count: int = 1) -> Replications:
    """`count` copies of the hand-built recording (replication i has case ids r<i>-…) as `Replications`."""
    network = handbuilt_network(warmup_h)
    network = dataclasses.replace(network, run=dataclasses.replace(network.run, replications=count))
    return Replications(
        network=network,
        recordings=tuple(handbuilt_recording(replication) for replication in range(count)),
    )
