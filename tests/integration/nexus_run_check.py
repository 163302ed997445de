"""Checks one run's NeXus file (<run dir>/run.nxs) as a Python user opens it, against the run's
provenance log: the file edgeloopd wrote must hold exactly the bytes the instrument sent, the
per-frame products must agree with the run-level ones, and the file must carry the log.

Usage (Debian's /usr/bin/python3 with h5py, hdf5plugin and numpy):
  nexus_run_check.py --modality 4dstem|saxs|apt --run-dir DIR --records RECORDS.jsonl
                     [--expect-frames N] [--nx NX --ny NY] [--dtype D] [--stages A,B]
RECORDS.jsonl is `edgeloop provenance show <run>`: one JSON object per record. Frame records
carry "sha256", the SHA-256 of the payload exactly as received, and the attributes sequence and
scan_index (APT: events); stage records the stage's name, version and parameters.

Every check runs even when an earlier one failed, so one run reports all that is wrong. The
last line of stdout is a JSON summary; failures go to stderr, one per line; the exit status is
0 when every check passed, 1 otherwise, 2 when the file could not be opened at all.
"""
import argparse
import hashlib
import json
import os
import sys

import hdf5plugin  # noqa: F401  (registers the bitshuffle+LZ4 filter 32008 with h5py)
import h5py
import numpy as np

failures = []
summary = {}
stage_records = {}  # the log's Stage records by stage name


def check(condition, message):
    if not condition:
        failures.append(message)
    return bool(condition)


def text(node):
    value = node[()] if isinstance(node, h5py.Dataset) else node
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
        return value.decode() if isinstance(value, bytes) else str(value)
    return str(value)


def attr(node, name):
    value = node.attrs.get(name)
    return None if value is None else text(value)


def nx_class(f, path):
    return attr(f[path], "NX_class") if path in f else None


def read_records(path):
    """Frame records in log order, and stage records by stage name."""
    frames, stages = [], {}
    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if record.get("kind") == "frame":
                frames.append(record)
            elif record.get("kind") == "stage":
                stages[record["attributes"]["name"]] = record["attributes"]
    return frames, stages


def check_common(f, definition, run_dir):
    check(attr(f, "NX_class") == "NXroot", "/ is not NXroot")
    check(nx_class(f, "/entry") == "NXentry", "/entry is not NXentry")
    if "/entry/definition" in f:
        check(text(f["/entry/definition"]) == definition,
              f"/entry/definition is {text(f['/entry/definition'])!r}, not {definition!r}")
    else:
        failures.append("/entry/definition is missing")
    for path in ("/entry/end_time", "/entry/summary/data", "/entry/configuration/data"):
        check(path in f, f"{path} is missing")
    # The provenance log, byte for byte, as sealed on disk.
    log_path = os.path.join(run_dir, "provenance.elp")
    with open(log_path, "rb") as log:
        on_disk = log.read()
    if check("/entry/provenance/data" in f, "/entry/provenance/data is missing"):
        embedded = f["/entry/provenance/data"][()].tobytes()
        check(embedded == on_disk,
              f"embedded provenance log ({len(embedded)} bytes) differs from {log_path} "
              f"({len(on_disk)} bytes)")
        check(text(f["/entry/provenance/sha256"]) == hashlib.sha256(on_disk).hexdigest(),
              "/entry/provenance/sha256 is not the SHA-256 of the log on disk")
        summary["provenance_bytes"] = len(on_disk)
    if "/entry/summary/data" in f:
        summary["run_summary"] = json.loads(text(f["/entry/summary/data"]))


def check_process(f, stage, sequence_index):
    """The stage's NXprocess: what ran, in which order, with the parameters that the log's
    Stage record names."""
    path = f"/entry/process_{stage}"
    if not check(path in f, f"{path} is missing"):
        return {}
    check(nx_class(f, path) == "NXprocess", f"{path} is not NXprocess")
    check(text(f[path + "/program"]) == stage, f"{path}/program is not {stage}")
    check(int(f[path + "/sequence_index"][()]) == sequence_index,
          f"{path}/sequence_index is not {sequence_index}")
    parameters = json.loads(text(f[path + "/parameters"]))
    check(isinstance(parameters, dict), f"{path}/parameters is not a JSON object")
    logged = stage_records.get(stage)
    if check(logged is not None, f"the log has no Stage record of {stage}"):
        check(text(f[path + "/version"]) == logged["version"],
              f"{path}/version differs from the log's {logged['version']}")
        check(parameters == logged["parameters"],
              f"{path}/parameters {parameters} differ from the log's {logged['parameters']}")
    for key, value in parameters.items():
        # Scalar parameters are attributes of the parameters dataset as well.
        if isinstance(value, (bool, int, float, str)) and key != "type":
            stored = f[path + "/parameters"].attrs.get(key)
            check(stored is not None, f"{path}/parameters@{key} is missing")
    summary.setdefault("stages", []).append(stage)
    return parameters


def check_frames(f, records, dtype, expect_frames):
    """The stored images are the payloads as received: each frame's bytes hash to the SHA-256
    that the provenance log recorded for the same sequence."""
    data = f["/entry/data/data"]
    n = data.shape[0]
    summary["frames_stored"] = n
    summary["frame_shape"] = list(data.shape)
    check(data.dtype == np.dtype(dtype), f"/entry/data/data is {data.dtype}, not {dtype}")
    if expect_frames is not None:
        check(n == expect_frames, f"/entry/data/data holds {n} frames, not {expect_frames}")
    check(len(records) == n, f"{len(records)} frame records in the log, {n} frames in the file")
    by_sequence = {}
    for r in records:
        sequence = r["attributes"]["sequence"]
        check(sequence not in by_sequence, f"frame sequence {sequence} recorded twice")
        by_sequence[sequence] = r
    sequences = f["/entry/data/sequence"][()]
    scan_indices = f["/entry/data/scan_index"][()]
    stored_sha = f["/entry/data/payload_sha256"][()]
    check(len(set(sequences.tolist())) == n, "a sequence is stored twice")
    mismatched = 0
    for row in range(n):
        sequence = int(sequences[row])
        record = by_sequence.get(sequence)
        if not check(record is not None, f"row {row}: sequence {sequence} has no frame record"):
            continue
        # Little-endian, C order: the wire layout of a Raw payload.
        pixels = np.ascontiguousarray(data[row], dtype=np.dtype(dtype).newbyteorder("<"))
        digest = hashlib.sha256(pixels.tobytes()).hexdigest()
        if digest != record["sha256"]:
            mismatched += 1
            if mismatched <= 5:
                failures.append(f"row {row} (sequence {sequence}): SHA-256 {digest} of the stored "
                                f"frame differs from the logged {record['sha256']}")
        check(bytes(stored_sha[row]).hex() == record["sha256"],
              f"row {row}: /entry/data/payload_sha256 differs from the log")
        check(int(scan_indices[row]) == record["attributes"]["scan_index"],
              f"row {row}: scan_index {int(scan_indices[row])} differs from the log's "
              f"{record['attributes']['scan_index']}")
    summary["frames_bit_identical"] = n - mismatched
    check(mismatched == 0, f"{mismatched} of {n} stored frames differ from what was received")
    return data, scan_indices


def close(a, b, rtol=1e-9):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True))


def check_4dstem(f, args, records):
    check_common(f, "NXem", args.run_dir)
    data, scan_indices = check_frames(f, records, args.dtype or "uint16", args.expect_frames)
    n = data.shape[0]
    stages = args.stages.split(",")
    parameters = {stage: check_process(f, stage, i + 1) for i, stage in enumerate(stages)}
    results = f["/entry/results"]
    if "frame_sum" in stages:
        check("backend" in parameters["frame_sum"], "frame_sum's parameters lack the backend")
        if check("frame_sum" in results, "/entry/results/frame_sum is missing"):
            # frame_sum is the sum of the frame's pixels: check it against the stored frame.
            sums = np.array([data[row].astype(np.float64).sum() for row in range(n)])
            check(close(results["frame_sum"][()], sums, 0.0),
                  "/entry/results/frame_sum is not the sum of each stored frame")
    if "stem_virtual_detectors" not in stages:
        return
    vd = parameters["stem_virtual_detectors"]
    check(vd.get("scan_nx") == args.nx and vd.get("scan_ny") == args.ny,
          f"stem_virtual_detectors parameters {vd} do not name the {args.nx}x{args.ny} raster")
    for name in ("virtual_bf", "virtual_adf", "total_intensity", "com"):
        check(name in results, f"/entry/results/{name} is missing")
    # Every raster position was visited once: each map holds its frame's value at [y, x].
    check(sorted(scan_indices.tolist()) == list(range(args.nx * args.ny)),
          "scan indices are not each raster position once")
    ys = scan_indices // args.nx
    xs = scan_indices % args.nx
    pairs = [("virtual_bf_map", "virtual_bf", None), ("virtual_adf_map", "virtual_adf", None),
             ("com_x_map", "com", 0), ("com_y_map", "com", 1)]
    for map_name, per_frame, column in pairs:
        path = f"/entry/{map_name}/data"
        if not check(path in f and per_frame in results, f"{path} or results/{per_frame} missing"):
            continue
        grid = f[path][()]
        if not check(grid.shape == (args.ny, args.nx),
                     f"{path} has shape {grid.shape}, not ({args.ny}, {args.nx})"):
            continue
        check(nx_class(f, f"/entry/{map_name}") == "NXdata", f"/entry/{map_name} is not NXdata")
        check(not np.isnan(grid).any(), f"{path} has NaN although every position was visited")
        # One value per frame: a scalar column [n] or, for a product of shape [1], [n, 1].
        values = results[per_frame][()].reshape(n, -1)
        if not check(values.shape[1] == (1 if column is None else 2),
                     f"results/{per_frame} has shape {results[per_frame].shape}"):
            continue
        values = values[:, 0 if column is None else column]
        check(close(grid[ys, xs], values),
              f"{path}[y, x] differs from results/{per_frame} of the frame taken there "
              f"(max |diff| {np.nanmax(np.abs(grid[ys, xs] - values))})")
    if "/entry/visited_map/data" in f:
        check(np.array_equal(f["/entry/visited_map/data"][()], np.ones((args.ny, args.nx))),
              "/entry/visited_map is not one visit per position")
    else:
        failures.append("/entry/visited_map is missing")
    check("/entry/measurement/virtual_images/virtual_bf_map" in f,
          "the NXem view /entry/measurement/virtual_images lacks virtual_bf_map")
    if "virtual_bf" in results:
        summary["virtual_bf_mean"] = float(np.mean(results["virtual_bf"][()]))


def check_saxs(f, args, records):
    check_common(f, "NXsas", args.run_dir)
    data, _ = check_frames(f, records, args.dtype or "uint32", args.expect_frames)
    n = data.shape[0]
    parameters = check_process(f, "saxs_azimuthal_integration", 1)
    check(str(parameters.get("poni", "")).endswith("sim-saxs.poni"),
          f"the stage's parameters name no .poni file: {parameters.get('poni')}")
    results = f["/entry/results"]
    if not check("iq" in results and "iq_errors" in results, "results/iq or iq_errors missing"):
        return
    iq = results["iq"][()]
    iq_errors = results["iq_errors"][()]
    bins = iq.shape[1] if iq.ndim == 2 else 0
    summary["bins"] = bins
    check(iq.shape == (n, bins) and bins > 0, f"results/iq has shape {iq.shape}, not ({n}, bins)")
    check(np.isfinite(iq).any(axis=1).all(), "a frame's I(q) is NaN everywhere")
    # The canSAS view of the run's mean curve.
    sasentry, sasdata = "/sasentry01", "/sasentry01/sasdata01"
    if check(sasdata in f, f"{sasdata} is missing"):
        check(attr(f[sasentry], "canSAS_class") == "SASentry", "sasentry01 is not a SASentry")
        check(text(f[sasentry + "/definition"]) == "NXcanSAS", "sasentry01 is not NXcanSAS")
        check(attr(f[sasdata], "canSAS_class") == "SASdata", "sasdata01 is not a SASdata")
        check(attr(f[sasdata], "signal") == "I", "sasdata01's signal is not I")
        for name in ("I", "Q", "Idev"):
            check(name in f[sasdata], f"{sasdata}/{name} is missing")
        if all(name in f[sasdata] for name in ("I", "Q", "Idev")):
            sas_i, sas_q, sas_dev = (f[sasdata + "/" + k][()] for k in ("I", "Q", "Idev"))
            check(sas_i.shape == sas_q.shape == sas_dev.shape == (bins,),
                  f"I, Q, Idev shapes {sas_i.shape}, {sas_q.shape}, {sas_dev.shape} != ({bins},)")
            check(attr(f[sasdata + "/I"], "uncertainties") == "Idev", "I@uncertainties != Idev")
            check(attr(f[sasdata + "/Q"], "units") is not None, "Q has no units")
            check(bool(np.all(np.diff(sas_q) > 0)), "Q does not increase")
            if "/entry/iq_mean/data" in f:
                check(close(sas_i, f["/entry/iq_mean/data"][()], 0.0),
                      "sasdata01/I is not /entry/iq_mean/data")
            if "iq_q" in results and results["iq_q"].shape == (bins,):
                check(close(sas_q, results["iq_q"][()]), "Q differs from the per-frame q axis")
            # The pooled mean: with the same geometry, mask and exposure for every frame, each
            # frame's bins have the same normalisation, so the exposure-weighted pooled mean is
            # the plain mean of the frames' I(q), and its Poisson error sqrt(sum sigma_f^2) / n.
            exposures = f["/entry/data/exposure_s"][()]
            check(np.allclose(exposures, exposures[0]), f"exposures differ: {exposures}")
            weights = exposures / exposures.sum()
            with np.errstate(invalid="ignore"):
                mean = np.sum(iq * weights[:, None], axis=0)
                mean_dev = np.sqrt(np.sum((iq_errors * weights[:, None]) ** 2, axis=0))
            check(close(sas_i, mean, 1e-6),
                  f"I differs from the exposure-weighted mean of results/iq (max rel diff "
                  f"{np.nanmax(np.abs(sas_i - mean) / np.abs(mean))})")
            check(close(sas_dev, mean_dev, 1e-6),
                  "Idev differs from the pooled Poisson error of results/iq_errors")
            check(np.isnan(sas_i).sum() == np.isnan(mean).sum(), "NaN bins differ")
            summary["iq_mean_finite_bins"] = int(np.isfinite(sas_i).sum())
    check("/entry/sasdata/I" in f, "/entry/sasdata does not link to the canSAS data")
    for name in ("guinier", "porod_invariant"):
        check(name in results, f"results/{name} is missing")


def check_apt(f, args, records):
    check_common(f, "NXapm", args.run_dir)
    check_process(f, "apt_ranging", 1)
    chunks = f["/entry/event_chunks"]
    counts = chunks["event_count"][()]
    offsets = chunks["event_offset"][()]
    n_chunks = counts.shape[0]
    n_events = f["/entry/events/tof_ns"].shape[0]
    summary["chunks_stored"] = int(n_chunks)
    summary["events_stored"] = int(n_events)
    if args.expect_frames is not None:
        check(n_chunks == args.expect_frames, f"{n_chunks} chunks stored, not {args.expect_frames}")
    check(len(records) == n_chunks, f"{len(records)} frame records, {n_chunks} chunks stored")
    logged_events = sum(int(r["attributes"]["events"]) for r in records)
    summary["events_logged"] = logged_events
    check(n_events == int(counts.sum()),
          f"{n_events} events stored, event_count sums to {int(counts.sum())}")
    check(n_events == logged_events, f"{n_events} events stored, the log reports {logged_events}")
    check(n_events > 0, "no events")
    for column in ("pulse", "x", "y", "tof_ns", "weight", "chunk_sequence"):
        check(f["/entry/events/" + column].shape == (n_events,), f"events/{column} length differs")
    check(np.array_equal(offsets, np.concatenate([[0], np.cumsum(counts)[:-1]])),
          "event_offset is not the running sum of event_count")
    by_sequence = {r["attributes"]["sequence"]: r for r in records}
    sequences = chunks["sequence"][()]
    chunk_sequence = f["/entry/events/chunk_sequence"][()]
    for row in range(n_chunks):
        record = by_sequence.get(int(sequences[row]))
        if not check(record is not None, f"chunk {row} has no frame record"):
            continue
        check(int(record["attributes"]["events"]) == int(counts[row]),
              f"chunk {row}: {int(counts[row])} events stored, "
              f"{record['attributes']['events']} logged")
        rows = slice(int(offsets[row]), int(offsets[row] + counts[row]))
        check(bool(np.all(chunk_sequence[rows] == sequences[row])),
              f"chunk {row}: events/chunk_sequence does not name it")
    results = f["/entry/results"]
    if check("chunk_ions" in results, "results/chunk_ions is missing"):
        check(np.array_equal(results["chunk_ions"][()][:, 0], counts.astype(np.float64)),
              "results/chunk_ions[:, 0] is not each chunk's event count")
    # The run's composition: fractions summing to 1, with counting errors.
    if check("/entry/composition/data" in f, "/entry/composition is missing"):
        fractions = f["/entry/composition/data"][()]
        summary["composition"] = fractions.tolist()
        check(abs(fractions.sum() - 1.0) < 1e-9, f"composition sums to {fractions.sum()}")
        check(bool(np.all((fractions >= 0) & (fractions <= 1))), "a fraction is outside 0..1")
        if check("/entry/composition/errors" in f, "/entry/composition has no errors"):
            errors = f["/entry/composition/errors"][()]
            check(errors.shape == fractions.shape and bool(np.all(np.isfinite(errors))),
                  "composition errors are not one finite value per element")
            check(bool(np.any(errors > 0)), "every composition error is 0")
        if "/entry/element_counts/data" in f:
            atoms = f["/entry/element_counts/data"][()]
            check(close(fractions, atoms / atoms.sum(), 1e-9),
                  "composition is not element_counts / their sum")
    if "/entry/ranged_counts/data" in f:
        check(int(f["/entry/ranged_counts/data"][()].sum()) == n_events,
              "ranged + unranged counts do not add up to the events stored")
    else:
        failures.append("/entry/ranged_counts is missing")
    # The mass spectrum with its m/z axis, and the NXapm view of it.
    spectrum = "/entry/mass_spectrum"
    if check(spectrum + "/data" in f, f"{spectrum} is missing"):
        group = f[spectrum]
        counts_per_bin = group["data"][()]
        check(attr(group, "signal") == "data", "mass_spectrum's signal is not data")
        check("mass_to_charge" in group, "mass_spectrum has no mass_to_charge axis")
        if "mass_to_charge" in group:
            axis = group["mass_to_charge"][()]
            check(axis.shape[0] in (counts_per_bin.shape[0], counts_per_bin.shape[0] + 1),
                  "the m/z axis does not fit the spectrum")
            check(attr(group["mass_to_charge"], "units") == "Da", "m/z is not in Da")
            check(bool(np.all(np.diff(axis) > 0)), "m/z does not increase")
        axes = group.attrs.get("axes")
        check(axes is not None and "mass_to_charge" in [text(a) for a in np.atleast_1d(axes)],
              "mass_spectrum@axes does not name mass_to_charge")
        check(0 < counts_per_bin.sum() <= n_events, "the mass spectrum is empty or overfull")
    check("/entry/atom_probe/ranging/mass_to_charge_distribution/mass_spectrum" in f,
          "the NXapm ranging view lacks the mass spectrum")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--modality", required=True, choices=["4dstem", "saxs", "apt"])
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--expect-frames", type=int)
    parser.add_argument("--nx", type=int)
    parser.add_argument("--ny", type=int)
    parser.add_argument("--dtype", help="numpy name of the detector's pixel type")
    parser.add_argument("--stages", default="frame_sum,stem_virtual_detectors",
                        help="4dstem: the run's pipeline, in order")
    args = parser.parse_args()
    records, stages = read_records(args.records)
    stage_records.update(stages)
    summary["frame_records"] = len(records)
    path = os.path.join(args.run_dir, "run.nxs")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        print(f"cannot open {path}: {error}", file=sys.stderr)
        return 2
    with f:
        try:
            {"4dstem": check_4dstem, "saxs": check_saxs, "apt": check_apt}[args.modality](
                f, args, records)
        except Exception as error:  # a missing dataset: report it with the rest
            failures.append(f"{type(error).__name__}: {error}")
    summary["failures"] = failures
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(json.dumps(summary, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
