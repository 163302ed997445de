"""Chunks written by edgeloop's encoders, read back the way Python users read them.

Usage: compress_hdf5plugin_test.py COMPRESS_TOOL

For frames of several types and shapes (sizes that are not a multiple of 8 elements or of the
bitshuffle block), the tool writes HDF5 datasets whose chunks it compressed itself with
H5Dwrite_chunk, as the storage worker does:
  1. bitshuffle+LZ4 (filter 32008) from the Kokkos backend, the CPU backend and, when a CUDA
     device is present, the CUDA backend: h5py reads them through the real bitshuffle plugin
     (Debian's `bitshuffle` package) and must find the frames unchanged;
  2. zstd (filter 32015): read through h5py when HDF5 has a zstd filter (PyPI's hdf5plugin
     ships one; Debian ships none), otherwise each raw chunk (read_direct_chunk) is decoded by
     the `zstd` command-line tool, which proves it is the standard one-frame-per-chunk format.
Without the bitshuffle plugin the test exits 77, which CTest reports as skipped.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import hdf5plugin  # noqa: F401  (registers what it has, as users' scripts do)
import numpy as np

BITSHUFFLE = 32008
ZSTD = 32015
SKIPPED = 77

TOOL_DTYPES = {"u1": "u8", "u2": "u16", "u4": "u32", "i4": "i32", "f4": "f32", "f8": "f64"}

# (name, dtype, (frames, rows, cols))
CASES = [
    ("u8_five", "u1", (2, 1, 5)),
    ("u8_odd", "u1", (2, 100, 97)),
    ("u16_frames", "u2", (3, 256, 256)),
    ("u16_odd", "u2", (2, 257, 259)),
    ("u32_odd", "u4", (2, 37, 53)),
    ("u32_large", "u4", (1, 512, 512)),
    ("i32_signed", "i4", (2, 40, 41)),
    ("f32_values", "f4", (2, 30, 30)),
    ("f64_values", "f8", (1, 33, 17)),
]
BACKENDS = ["kokkos", "cpu-sse2", "cuda"]


def make_array(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    array = rng.poisson(3.0, shape).astype(dtype)
    outliers = rng.random(shape) < 0.02
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        array[outliers] = rng.integers(info.min, info.max, size=int(outliers.sum()),
                                       dtype=dtype, endpoint=True)
    else:
        array[outliers] = rng.normal(0, 1e6, size=int(outliers.sum())).astype(dtype)
    return array


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    if not h5py.h5z.filter_avail(BITSHUFFLE):
        print("SKIPPED: HDF5 has no bitshuffle filter (install Debian's `bitshuffle` package)")
        return SKIPPED
    zstd_in_hdf5 = h5py.h5z.filter_avail(ZSTD)
    zstd_cli = shutil.which("zstd")
    print(f"zstd filter in HDF5: {bool(zstd_in_hdf5)}; zstd command: {zstd_cli}")

    failures = []
    checks = 0
    unavailable = set()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chunks.h5")
        arrays = {}
        for index, (name, dtype, shape) in enumerate(CASES):
            arrays[name] = make_array(dtype, shape, 200 + index)
            raw = os.path.join(tmp, f"{name}.raw")
            arrays[name].tofile(raw)
            for codec in BACKENDS + ["zstd:3"]:
                dataset = f"{codec.replace(':', '')}/{name}"
                result = subprocess.run([tool, "write-h5", path, dataset, TOOL_DTYPES[dtype],
                                         codec, raw, *map(str, shape)])
                if result.returncode == SKIPPED:
                    unavailable.add(codec)
                elif result.returncode != 0:
                    failures.append(f"{dataset}: compress_tool failed ({result.returncode})")

        with h5py.File(path, "r") as f:
            for backend in BACKENDS:
                if backend in unavailable:
                    print(f"SKIPPED backend {backend}: not available here")
                    continue
                for name, dtype, shape in CASES:
                    dataset = f[f"{backend}/{name}"]
                    filter_id = dataset.id.get_create_plist().get_filter(0)[0]
                    checks += 1
                    if filter_id != BITSHUFFLE:
                        failures.append(f"{backend}/{name}: declares filter {filter_id}")
                    checks += 1
                    read = dataset[()]
                    if read.dtype != np.dtype(dtype) or not np.array_equal(read, arrays[name]):
                        failures.append(f"{backend}/{name}: h5py reads different frames")

            for name, dtype, shape in CASES:
                dataset = f[f"zstd3/{name}"]
                filter_id, _, values, _ = dataset.id.get_create_plist().get_filter(0)
                checks += 1
                if filter_id != ZSTD or tuple(values) != (3,):
                    failures.append(f"zstd3/{name}: filter {filter_id} with {tuple(values)}")
                if zstd_in_hdf5:
                    checks += 1
                    if not np.array_equal(dataset[()], arrays[name]):
                        failures.append(f"zstd3/{name}: h5py reads different frames")
                    continue
                if not zstd_cli:
                    continue
                for frame in range(shape[0]):
                    mask, chunk = dataset.id.read_direct_chunk((frame, 0, 0))
                    decoded = subprocess.run([zstd_cli, "-d", "-c", "-q"], input=chunk,
                                             capture_output=True, check=True).stdout
                    checks += 1
                    values = np.frombuffer(decoded, dtype=dtype)
                    if mask != 0 or not np.array_equal(values.reshape(shape[1:]),
                                                       arrays[name][frame]):
                        failures.append(f"zstd3/{name} frame {frame}: zstd decodes other bytes")

    for failure in failures:
        print("FAIL:", failure)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
