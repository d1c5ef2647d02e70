"""Replications on a Dask cluster: a lost worker costs time, not the run; a missing Dask, an unreachable scheduler or
a cluster failing mid-run ends in one clear message (issue 12, class 13)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_replications import _assert_same, small_network
from typer.testing import CliRunner

from flowlab.cli import app
from sim.errors import ClusterError
from sim.replications import SCHEDULER_CONNECT_TIMEOUT_S, run_replications, with_run_settings

CHECKOUT = Path(__file__).resolve().parents[2]
SCENARIO = CHECKOUT / "scenarios" / "vsm-classic.yaml"


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_workers_killed_mid_run_cost_time_not_the_run() -> None:
    """Two worker processes under nannies; at the first finished replication the test SIGKILLs both while each runs
    one, so nothing computed or sent to them survives. The nannies restart them, Dask reruns the lost replications,
    and the results equal an undisturbed in-process run's, frame for frame."""
    distributed = pytest.importorskip("distributed")
    network = with_run_settings(small_network(replications=8), horizon_h=100_000.0)  # about a second each
    expected = run_replications(network, workers=1)
    killed: list[str] = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        scheduler = cluster.scheduler  # in this process: read directly, so the run's client is the only client

        def kill_the_workers(_: int) -> None:
            if killed:
                return
            for nanny in list(cluster.workers.values()):
                killed.append(nanny.worker_address)
                os.kill(nanny.pid, signal.SIGKILL)  # as `kill -9` would: the worker process dies mid-task

        remote = run_replications(network, scheduler=cluster.scheduler_address, progress=kill_the_workers)
        removals = {
            event["worker"]: event
            for _, event in scheduler.get_events("all")
            if event.get("action") == "remove-worker" and event.get("worker") in killed
        }
    assert sorted(killed) == sorted(removals)
    assert all(event["processing-tasks"] for event in removals.values()), "each was running a replication"
    _assert_same(expected, remote)


CLUSTER_SCRIPT = """\
import sys, time
from distributed import LocalCluster
if __name__ == "__main__":
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    print(cluster.scheduler_address, flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
def test_losing_the_scheduler_mid_run_is_one_clear_error(tmp_path: Path) -> None:
    """The scheduler (a cluster in another process) is SIGKILLed at the first finished replication: the run ends in
    one ClusterError saying the cluster failed, not a hang or a Dask traceback."""
    pytest.importorskip("distributed")
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER_SCRIPT, encoding="utf-8")
    cluster = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path
    )
    try:
        assert cluster.stdout is not None
        address = cluster.stdout.readline().strip()
        network = with_run_settings(small_network(replications=8), horizon_h=100_000.0)

        def kill_the_scheduler(_: int) -> None:
            if cluster.poll() is None:
                cluster.kill()

        with pytest.raises(ClusterError) as raised:
            run_replications(network, scheduler=address, progress=kill_the_scheduler)
        assert str(raised.value).startswith(f"the Dask cluster at {address!r} failed during the run (")
        assert str(raised.value).endswith("; no results were written")
    finally:
        cluster.kill()
        cluster.wait()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clear_error() -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    pytest.importorskip("distributed")
    with pytest.raises(ClusterError) as raised:
        run_replications(small_network(), scheduler=address)
    assert (
        f"cannot reach the Dask scheduler at {address!r} within {SCHEDULER_CONNECT_TIMEOUT_S:g} s" in str(raised.value)
    )


def test_a_malformed_address_is_one_clear_error() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ClusterError, match=r"^'nonsense' is not a Dask scheduler address \(.*\); expected tcp://host:port$"):
        run_replications(small_network(), scheduler="nonsense")


@pytest.mark.slow
def test_flowlab_run_with_an_unreachable_scheduler_exits_with_a_message(tmp_path: Path) -> None:
    """The command line: exit code 2, one red message on stderr, no traceback, no results folder."""
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    out = tmp_path / "out"
    ran = subprocess.run(
        [sys.executable, "-m", "flowlab.cli", "run", str(SCENARIO), "--replications", "2", "--horizon", "2w",
         "--warmup", "1d", "--scheduler", address, "--out", str(out)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert 2 == ran.returncode
    assert f"cannot reach the Dask scheduler at {address!r}" in ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
    assert not out.exists()
    assert [] == [path.name for path in tmp_path.iterdir() if path.name != "out"]


def test_without_dask_the_message_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With `distributed` not importable, --scheduler says how to install it (the `dask` extra) and exits 2."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` raise ImportError
    with pytest.raises(ClusterError, match=r'pip install "flowlab\[dask\]"'):
        run_replications(small_network(), scheduler="tcp://127.0.0.1:8786")
    result = CliRunner().invoke(
        app,
        ["run", str(SCENARIO), "--replications", "1", "--horizon", "2w", "--warmup", "1d", "--scheduler",
         "tcp://127.0.0.1:8786", "--out", str(tmp_path / "out")],
    )
    assert 2 == result.exit_code
    assert 'pip install "flowlab[dask]"' in result.output
    assert not (tmp_path / "out").exists()


def test_local_runs_do_not_need_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setitem(sys.modules, "dask", None)
    assert 3 == len(run_replications(small_network(), workers=1))
    with pytest.raises(ClusterError):  # the guard really sees the missing package
        run_replications(small_network(), scheduler="tcp://127.0.0.1:8786")
