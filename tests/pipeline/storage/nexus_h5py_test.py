"""The NeXus run file as Python users open it: h5py + hdf5plugin, then a reader that follows a
run live through SWMR while the writer is still appending.

Usage: nexus_h5py_test.py NEXUS_RUN_WRITER_TOOL
The tool writes deterministic contents (see nexus_run_writer_tool.cpp): pixel (f, r, c) of
frame f is (f * 1000 + r * 37 + c * 11) mod 65536; event i of chunk k has pulse k * 1000 + i,
x = 0.01 i, y = -0.01 i, tof_ns = 100 + i.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import time

import hdf5plugin  # noqa: F401  (registers the bitshuffle filter 32008 with h5py)
import h5py
import numpy as np

TOOL = sys.argv[1]


def text(dataset):
    value = dataset[()]
    return value.decode() if isinstance(value, bytes) else str(value)


def expected_frame(f, rows, cols):
    r = np.arange(rows, dtype=np.uint64)[:, None]
    c = np.arange(cols, dtype=np.uint64)[None, :]
    return ((f * 1000 + r * 37 + c * 11) % 65536).astype(np.uint16)


def write(directory, name, *args):
    path = os.path.join(directory, name)
    subprocess.run([TOOL, path, *args], check=True, timeout=60, stdout=subprocess.DEVNULL)
    return path


def check_common(f, definition):
    assert f.attrs["default"] == "entry"
    entry = f["entry"]
    assert entry.attrs["NX_class"] == "NXentry"
    assert text(entry["definition"]) == definition
    assert text(entry["title"]) == "h5py test run"
    assert entry["instrument"].attrs["NX_class"] == "NXinstrument"
    assert entry["sample"].attrs["NX_class"] == "NXsample"
    process = entry["process_frame_sum"]
    assert process.attrs["NX_class"] == "NXprocess"
    assert text(process["program"]) == "frame_sum"
    assert process["sequence_index"][()] == 1
    assert process["parameters"].attrs["backend"] == "cpu"
    assert process["parameters"].attrs["threshold"] == 2.5
    assert entry["configuration"].attrs["NX_class"] == "NXnote"
    assert len(text(entry["configuration/sha256"])) == 64
    assert text(entry["end_time"]).endswith("Z")
    results = entry["results"]
    frames = results["total"].shape[0]
    assert np.array_equal(results["total"][()], np.arange(frames) * 10.0 + 0.5)
    radial = results["radial"][()]
    assert radial.shape == (frames, 8)
    assert np.allclose(radial[3], 3 + 0.25 * np.arange(8))
    assert np.allclose(results["radial_errors"][1], 0.1 * np.arange(1, 9))
    assert results["radial_q"].attrs["units"] == "1/nm"


def check_images(path, rows, cols, frames, codec):
    with h5py.File(path, "r") as f:
        check_common(f, "NXem")
        data = f["entry/data"]
        assert data.attrs["NX_class"] == "NXdata"
        assert data.attrs["signal"] == "data"
        stack = data["data"]
        assert stack.shape == (frames, rows, cols) and stack.dtype == np.uint16
        assert stack.chunks == (1, rows, cols)
        filters = stack.id.get_create_plist()
        if codec == "bslz4":
            assert filters.get_nfilters() == 1 and filters.get_filter(0)[0] == 32008
        else:
            assert filters.get_nfilters() == 0
        for frame in range(frames):
            assert np.array_equal(stack[frame], expected_frame(frame, rows, cols)), frame
        assert np.array_equal(f["entry/instrument/detector/data"][frames - 1],
                              expected_frame(frames - 1, rows, cols))
        assert np.array_equal(data["sequence"][()], np.arange(frames))
        assert np.array_equal(data["command_seq"][()], np.arange(frames) + 1)
        assert data["scan_position"].shape == (frames, 2)
        assert data["scan_position"][5].tolist() == [1.0, 1.0]
        # Run-level NXdata and the NXem view of it.
        assert f["entry"].attrs["default"] == "virtual_bf"
        bf = f["entry/virtual_bf"]
        assert bf.attrs["NX_class"] == "NXdata" and bf.attrs["signal"] == "data"
        assert list(bf.attrs["axes"]) == ["y", "x"]
        assert bf.attrs["y_indices"] == 0 and bf.attrs["x_indices"] == 1
        assert np.array_equal(bf["data"][()], (np.arange(12) * 1.5).reshape(3, 4))
        assert bf["x"].attrs["units"] == "scan step"
        images = f["entry/measurement/virtual_images"]
        assert np.array_equal(images["virtual_bf/data"][()], bf["data"][()])
        # The embedded provenance log and its hash.
        note = f["entry/provenance"]
        assert note.attrs["NX_class"] == "NXnote"
        log = note["data"][()].tobytes()
        assert log == open(os.path.join(os.path.dirname(path), "provenance.elp"), "rb").read()
        assert text(note["sha256"]) == hashlib.sha256(log).hexdigest()


def check_sas(path):
    with h5py.File(path, "r") as f:
        check_common(f, "NXsas")
        assert f["entry"].attrs["default"] == "iq_mean"
        sasentry = f["sasentry01"]
        assert sasentry.attrs["NX_class"] == "NXentry"
        assert sasentry.attrs["canSAS_class"] == "SASentry"
        assert text(sasentry["definition"]) == "NXcanSAS"
        sasdata = sasentry["sasdata01"]
        assert sasdata.attrs["canSAS_class"] == "SASdata"
        assert sasdata.attrs["NX_class"] == "NXdata"
        assert sasdata.attrs["signal"] == "I"
        assert sasdata.attrs["I_axes"] == "Q"
        i = np.arange(16)
        assert np.allclose(sasdata["I"][()], 100.0 / (1.0 + i))
        assert np.allclose(sasdata["Q"][()], 0.05 * (i + 1))
        assert np.allclose(sasdata["Idev"][()], 1.0 / (1.0 + i))
        assert sasdata["I"].attrs["uncertainties"] == "Idev"
        assert sasdata["I"].attrs["units"] == "1/cm"
        assert sasdata["Q"].attrs["units"] == "1/nm"
        assert np.array_equal(f["entry/sasdata/I"][()], sasdata["I"][()])
        iq = f["entry/iq_mean"]
        assert iq.attrs["signal"] == "data" and list(iq.attrs["axes"]) == ["q"]


def check_apm(path, chunks):
    with h5py.File(path, "r") as f:
        check_common(f, "NXapm")
        events = f["entry/events"]
        assert events.attrs["NX_class"] == "NXdata"
        counts = [100 + k for k in range(chunks)]
        assert events["pulse"].shape == (sum(counts),)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        table = f["entry/event_chunks"]
        assert np.array_equal(table["event_offset"][()], offsets)
        assert np.array_equal(table["event_count"][()], counts)
        assert np.allclose(table["voltage_v"][()], 5000.0 + np.arange(chunks))
        for k in range(chunks):
            rows = slice(offsets[k], offsets[k] + counts[k])
            i = np.arange(counts[k])
            assert np.array_equal(events["pulse"][rows], k * 1000 + i)
            assert np.allclose(events["x"][rows], 0.01 * i)
            assert np.allclose(events["tof_ns"][rows], 100.0 + i)
            assert np.all(events["chunk_sequence"][rows] == k)
        assert events["tof_ns"].attrs["units"] == "ns"
        assert np.array_equal(f["entry/atom_probe/ion_detector/tof_ns"][()], events["tof_ns"][()])
        spectrum = f["entry/atom_probe/ranging/mass_to_charge_distribution/mass_spectrum"]
        assert spectrum.attrs["NX_class"] == "NXdata"
        assert spectrum["mass_to_charge"].attrs["units"] == "Da"


def check_swmr_follow(directory):
    """The reader sees frames appear while the writer is still running."""
    path = os.path.join(directory, "live.nxs")
    frames = 12
    writer = subprocess.Popen([TOOL, path, "--frames", str(frames), "--slow", "150"],
                              stdout=subprocess.PIPE, text=True)
    # The file exists, but is not in SWMR mode, until the first row is flushed.
    assert writer.stdout.readline().startswith("row 0")
    seen = []
    with h5py.File(path, "r", libver="latest", swmr=True) as f:
        stack = f["entry/data/data"]
        sequence = f["entry/data/sequence"]
        deadline = time.monotonic() + 30
        while writer.poll() is None and time.monotonic() < deadline:
            stack.refresh()
            sequence.refresh()
            n = stack.shape[0]
            if n and (not seen or seen[-1] != n):
                # Every frame a reader sees is complete and correct.
                assert np.array_equal(stack[n - 1], expected_frame(n - 1, 32, 48))
                seen.append(n)
            time.sleep(0.05)
    assert writer.wait(timeout=30) == 0
    assert len(seen) >= 3, f"the reader saw the frame count only at {seen}"
    assert seen == sorted(seen) and seen[-1] < frames + 1
    with h5py.File(path, "r") as f:
        assert f["entry/data/data"].shape[0] == frames
        assert "end_time" in f["entry"]


def main():
    with tempfile.TemporaryDirectory() as directory:
        log = os.path.join(directory, "provenance.elp")
        with open(log, "wb") as out:
            out.write(os.urandom(5000))
        for codec in ("bslz4", "raw"):
            path = write(directory, f"em-{codec}.nxs", "--codec", codec, "--frames", "7",
                         "--rows", "20", "--cols", "30", "--provenance", log)
            check_images(path, 20, 30, 7, codec)
        check_sas(write(directory, "sas.nxs", "--definition", "NXsas"))
        check_apm(write(directory, "apm.nxs", "--definition", "NXapm", "--frames", "5"), 5)
        check_swmr_follow(directory)
    print("ok")


if __name__ == "__main__":
    main()
