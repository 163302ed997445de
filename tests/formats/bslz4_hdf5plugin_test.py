"""edgeloop's bitshuffle+LZ4 codec held against the real bitshuffle, as h5py + hdf5plugin use it.

Usage: bslz4_hdf5plugin_test.py BSLZ4_TOOL

For arrays of several types and shapes (fewer than 8 elements, sizes that are not a multiple of
8, exactly one block, many blocks, explicit block sizes):
  1. the tool writes an HDF5 file whose chunks it compressed itself (H5Dwrite_chunk); h5py reads
     it through the bitshuffle plugin and must find the arrays unchanged;
  2. h5py writes the same arrays with hdf5plugin.Bitshuffle(nelems=..., cname="lz4") (what
     Bitshuffle(nelems=0, lz4=True) means), and the raw chunks it stored must be byte-identical
     to the tool's compression of the same bytes;
  3. the tool decompresses those raw chunks back to the arrays.
h5py finds the filter in HDF5's plugin directory, where Debian's `bitshuffle` package puts the
real bitshuffle; without it the test exits 77, which CTest reports as skipped.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import hdf5plugin
import numpy as np

BITSHUFFLE = 32008
SKIPPED = 77

TOOL_DTYPES = {"u1": "u8", "u2": "u16", "u4": "u32", "u8": "u64",
               "i2": "i16", "i4": "i32", "f4": "f32", "f8": "f64"}

# (name, dtype, shape, nelems); the first axis is the frame axis, one chunk per frame.
CASES = [
    ("u8_five", "u1", (2, 1, 5), 0),
    ("u8_odd_two_blocks", "u1", (2, 100, 97), 0),
    ("u16_three", "u2", (1, 1, 3), 0),
    ("u16_frames", "u2", (3, 256, 256), 0),
    ("u16_odd", "u2", (2, 37, 53), 0),
    ("u16_odd_block256", "u2", (2, 37, 53), 256),
    ("u32_odd", "u4", (2, 37, 53), 0),
    ("u32_one_block", "u4", (1, 1, 2048), 0),
    ("u32_two_blocks_2048", "u4", (2, 64, 64), 2048),
    ("u32_block8", "u4", (1, 9, 11), 8),
    ("u64_odd", "u8", (2, 33, 17), 0),
    ("i16_signed", "i2", (2, 40, 41), 0),
    ("f32_values", "f4", (2, 30, 30), 0),
]


def make_array(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    values = rng.poisson(2.0, shape)
    array = values.astype(dtype)
    # Outliers fill the high bit planes, as hot pixels and gaps do on a real detector.
    outliers = rng.random(shape) < 0.05
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:
        array[outliers] = rng.integers(info.min, info.max, size=int(outliers.sum()),
                                       dtype=dtype, endpoint=True)
    else:
        array[outliers] = rng.normal(0, 1e6, size=int(outliers.sum())).astype(dtype)
    return array


def run(tool, *args):
    subprocess.run([tool, *map(str, args)], check=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    if not h5py.h5z.filter_avail(BITSHUFFLE):
        print("SKIPPED: HDF5 has no bitshuffle filter (install Debian's `bitshuffle` package)")
        return SKIPPED

    failures = []
    checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        ours_h5 = os.path.join(tmp, "ours.h5")
        theirs_h5 = os.path.join(tmp, "theirs.h5")
        arrays = {}
        for index, (name, dtype, shape, nelems) in enumerate(CASES):
            array = make_array(dtype, shape, 100 + index)
            arrays[name] = array
            raw = os.path.join(tmp, f"{name}.raw")
            array.tofile(raw)
            run(tool, "write-h5", ours_h5, name, TOOL_DTYPES[dtype], nelems, raw, *shape)
            with h5py.File(theirs_h5, "a") as f:
                f.create_dataset(name, data=array, chunks=(1,) + shape[1:],
                                 **hdf5plugin.Bitshuffle(nelems=nelems, cname="lz4"))

        # 1. Our chunks, decoded by the real bitshuffle.
        with h5py.File(ours_h5, "r") as f:
            for name, dtype, shape, nelems in CASES:
                dataset = f[name]
                filter_id, _, values, _ = dataset.id.get_create_plist().get_filter(0)
                checks += 1
                if filter_id != BITSHUFFLE or tuple(values)[2:] != (np.dtype(dtype).itemsize,
                                                                   nelems, 2):
                    failures.append(f"{name}: filter {filter_id} with cd_values {tuple(values)}")
                checks += 1
                read = dataset[()]
                if read.dtype != np.dtype(dtype) or not np.array_equal(read, arrays[name]):
                    failures.append(f"{name}: h5py reads different values from our chunks")

        # 2 and 3. The real bitshuffle's chunks, against ours byte for byte.
        with h5py.File(theirs_h5, "r") as f:
            for name, dtype, shape, nelems in CASES:
                dataset = f[name]
                itemsize = np.dtype(dtype).itemsize
                for frame in range(shape[0]):
                    offset = (frame,) + (0,) * (len(shape) - 1)
                    mask, theirs = dataset.id.read_direct_chunk(offset)
                    raw = os.path.join(tmp, "frame.raw")
                    ours = os.path.join(tmp, "frame.bslz4")
                    arrays[name][frame].tofile(raw)
                    run(tool, "compress", itemsize, nelems, raw, ours)
                    with open(ours, "rb") as chunk:
                        ours_bytes = chunk.read()
                    checks += 1
                    if mask != 0 or ours_bytes != theirs:
                        failures.append(
                            f"{name} frame {frame}: our chunk ({len(ours_bytes)} bytes) differs "
                            f"from bitshuffle's ({len(theirs)} bytes, filter mask {mask})")
                    theirs_path = os.path.join(tmp, "theirs.bslz4")
                    back = os.path.join(tmp, "back.raw")
                    with open(theirs_path, "wb") as chunk:
                        chunk.write(theirs)
                    run(tool, "decompress", itemsize, theirs_path, back)
                    checks += 1
                    decoded = np.fromfile(back, dtype=dtype).reshape(shape[1:])
                    if not np.array_equal(decoded, arrays[name][frame]):
                        failures.append(f"{name} frame {frame}: we decode bitshuffle's chunk "
                                        "to different values")

    for failure in failures:
        print("FAIL:", failure)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
