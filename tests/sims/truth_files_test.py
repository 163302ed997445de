"""Each simulated instrument's ground-truth file, as a Python user opens it: with h5py.

Usage: truth_files_test.py EDGELOOP_SIM_BINARY CONFIG_DIR
Starts each simulator with --truth, waits until it is up (the truth is written before it
connects), stops it with SIGTERM and checks the file's layout and a few physical facts.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def write_truth(sim, config, modality, path):
    process = subprocess.Popen(
        [sim, modality, "--config", config, "--truth", path,
         "--data", "tcp://127.0.0.1:9", "--commands", "tcp://127.0.0.1:9"],
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    for line in process.stderr:
        if " up: " in line:
            break
        if time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, f"{modality}: exit status {process.returncode}"


def check_4dstem(f):
    assert f.attrs["modality"] == "4dstem"
    phase = f["maps/phase"][()]
    assert phase.shape == (1024, 1024) and phase.dtype == np.int8
    names = [n.decode() if isinstance(n, bytes) else n for n in f["phases/name"][()]]
    assert len(names) == 3
    # The hole at the origin is vacuum; the film holds every phase.
    assert phase[0, 0] == -1
    assert set(np.unique(phase)) == {-1, 0, 1, 2}
    grain = f["maps/grain"][()]
    assert grain.max() + 1 == f["grains/phase"].shape[0]
    assert f["defects/kind"].shape[0] >= 3
    assert (f["maps/thickness_mfp"][()][phase >= 0] > 0).all()


def check_saxs(f):
    assert f.attrs["modality"] == "saxs"
    geometry = f["geometry"].attrs
    assert "poni_version" in geometry["poni"]
    q = f["geometry/q_nm"][()]
    mask = f["detector/pixel_mask"][()]
    assert q.shape == mask.shape
    # The beamstop covers the smallest q; gaps and beamstop are masked, most pixels are not.
    row, col = np.unravel_index(np.argmin(q), q.shape)
    assert mask[row, col] != 0
    assert 0.5 < (mask == 0).mean() < 1.0
    radius = f["sample/sphere_radius_nm"][()]
    assert np.isfinite(radius).all() and radius.min() > 0


def check_apt(f):
    assert f.attrs["modality"] == "apt"
    overall = f["composition/overall"][()]
    assert abs(overall.sum() - 1.0) < 1e-9
    elements = [e.decode() if isinstance(e, bytes) else e for e in f["composition/elements"][()]]
    assert elements[0] == "Al" and overall[0] > 0.9
    abundance = f["isotopes/abundance"][()]
    isotope_elements = [e.decode() if isinstance(e, bytes) else e
                        for e in f["isotopes/element"][()]]
    for element in set(isotope_elements):
        total = sum(a for a, e in zip(abundance, isotope_elements) if e == element)
        assert abs(total - 1.0) < 1e-6, (element, total)


def main():
    sim, config_dir = sys.argv[1], sys.argv[2]
    checks = {"4dstem": check_4dstem, "saxs": check_saxs, "apt": check_apt}
    with tempfile.TemporaryDirectory() as tmp:
        for modality, check in checks.items():
            path = os.path.join(tmp, f"{modality}.h5")
            write_truth(sim, os.path.join(config_dir, f"sim-{modality}.toml"), modality, path)
            with h5py.File(path, "r") as f:
                check(f)
            print(f"{modality}: truth file ok")


if __name__ == "__main__":
    main()
