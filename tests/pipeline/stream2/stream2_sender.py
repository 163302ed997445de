#!/usr/bin/python3
"""Plays a DECTRIS detector's stream2 interface for tests: pushes one series (a start
message, N image messages, an end message) as CBOR over a ZeroMQ PUSH socket.

Written for edgeloop from DECTRIS's public description of stream2 (github.com/dectris/
documentation: stream_v2/README.md for the messages and fields, cbor/dectris-compression-tag.md
for tag 56500) and RFC 8746 (typed and multi-dimensional arrays); no DECTRIS code is used.

Pixels are a known function of (image, channel, row, column), the same as
stream2_test_messages.hpp computes, so the receiver can check every one. Compression:
"bslz4" is the bitshuffle HDF5 filter's chunk (made by h5py + hdf5plugin, so a real encoder
checks edgeloop's decoder); "lz4" is the HDF5 LZ4 filter's framing around LZ4 blocks from the
small encoder below; "cycle" rotates none, bslz4, lz4 over the images.

Exit status 77 means a Python module it needs is missing (the test then skips).
"""

import argparse
import io
import sys

EXIT_UNAVAILABLE = 77

try:
    import cbor2
    import numpy as np
    import zmq
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"stream2_sender: {error}", file=sys.stderr)
    sys.exit(EXIT_UNAVAILABLE)

DTYPES = {"u8": ("<u1", 64), "u16": ("<u2", 69), "u32": ("<u4", 70)}
SERIES_UNIQUE_ID = "01HPYTHONSENDER"


def pixel_values(image_id, channel, rows, cols, dtype):
    """The test pattern: see stream2_test_value() in stream2_test_messages.hpp."""
    r = np.arange(rows, dtype=np.uint64).reshape(rows, 1)
    c = np.arange(cols, dtype=np.uint64).reshape(1, cols)
    v = (np.uint64(image_id * 1000003 + channel * 7777) + r * np.uint64(7919) +
         (c // np.uint64(4)) * np.uint64(131))
    if dtype == "u8":
        return (v & np.uint64(0xFF)).astype("<u1")
    if dtype == "u16":
        return (v & np.uint64(0xFFFF)).astype("<u2")
    return ((v * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)).astype("<u4")


def bslz4_chunk(array):
    """One HDF5 chunk through the bitshuffle filter (id 32008) with LZ4: its 12-byte header
    and blocks, exactly what DECTRIS sends as "bslz4"."""
    try:
        import h5py
        import hdf5plugin
    except ImportError as error:
        print(f"stream2_sender: bslz4 needs h5py and hdf5plugin: {error}", file=sys.stderr)
        sys.exit(EXIT_UNAVAILABLE)
    with h5py.File(io.BytesIO(), "w") as f:
        dataset = f.create_dataset("image", data=array, chunks=array.shape,
                                   **hdf5plugin.Bitshuffle(cname="lz4"))
        filter_mask, chunk = dataset.id.read_direct_chunk((0,) * array.ndim)
    if filter_mask != 0:
        sys.exit("stream2_sender: HDF5 skipped the bitshuffle filter")
    return bytes(chunk)


def lz4_block(src):
    """A greedy LZ4 block encoder (format: github.com/lz4/lz4 doc/lz4_Block_format.md).
    It keeps the format's end rules: the last 5 bytes are literals and the last match starts
    at least 12 bytes before the end."""
    n = len(src)
    out = bytearray()
    table = {}
    anchor = 0
    i = 0

    def length_bytes(value):
        while value >= 255:
            out.append(255)
            value -= 255
        out.append(value)

    def sequence(literal_end, offset=0, match_length=0):
        literals = literal_end - anchor
        token_match = min(match_length - 4, 15) if match_length else 0
        out.append((min(literals, 15) << 4) | token_match)
        if literals >= 15:
            length_bytes(literals - 15)
        out.extend(src[anchor:literal_end])
        if match_length:
            out.extend(offset.to_bytes(2, "little"))
            if match_length - 4 >= 15:
                length_bytes(match_length - 4 - 15)

    while i + 12 <= n:
        key = src[i:i + 4]
        candidate = table.get(key)
        table[key] = i
        if candidate is not None and i - candidate <= 65535:
            length = 4
            limit = n - 5 - i
            while length < limit and src[candidate + length] == src[i + length]:
                length += 1
            sequence(i, i - candidate, length)
            i += length
            anchor = i
        else:
            i += 1
    sequence(n)
    return bytes(out)


def lz4_chunk(raw, block=1 << 30):
    """The HDF5 LZ4 filter's (id 32004) chunk: big-endian total and block sizes, then each
    block behind its big-endian length, stored as is when LZ4 does not shrink it."""
    out = bytearray(len(raw).to_bytes(8, "big") + block.to_bytes(4, "big"))
    for start in range(0, len(raw), block):
        piece = raw[start:start + block]
        packed = lz4_block(piece)
        if len(packed) >= len(piece):
            packed = piece
        out += len(packed).to_bytes(4, "big") + packed
    return bytes(out)


def multidim_array(array, dtype, compression):
    """Tag 40 [[rows, cols], typed array]: RFC 8746 row-major, little-endian elements."""
    numpy_dtype, typed_tag = DTYPES[dtype]
    raw = np.ascontiguousarray(array, dtype=numpy_dtype).tobytes()
    if compression == "none":
        payload = raw
    elif compression == "bslz4":
        payload = cbor2.CBORTag(56500, ["bslz4", array.itemsize, bslz4_chunk(array)])
    else:
        payload = cbor2.CBORTag(56500, ["lz4", 0, lz4_chunk(raw)])
    return cbor2.CBORTag(40, [list(array.shape), cbor2.CBORTag(typed_tag, payload)])


def encode(message):
    """One message: a map whose first key is "type", as self-described CBOR (tag 55799)."""
    return cbor2.dumps(cbor2.CBORTag(55799, message))


def start_message(args, channels):
    return {
        "type": "start",
        "series_id": args.series_id,
        "series_unique_id": SERIES_UNIQUE_ID,
        "arm_date": cbor2.CBORTag(0, "2024-05-06T05:08:09.25Z"),
        "beam_center_x": args.cols / 2,
        "beam_center_y": args.rows / 2,
        "channels": channels,
        "count_time": 0.001,
        "frame_time": 0.0011,
        "detector_description": "edgeloop stream2_sender.py",
        "detector_serial_number": "PY-0001",
        "detector_translation": [0.0, 0.0, 0.2],
        "goniometer": {"omega": {"increment": 0.1, "start": 0.0}},
        "image_size_x": args.cols,
        "image_size_y": args.rows,
        "incident_energy": 12398.4,
        "incident_wavelength": 1.0,
        "number_of_images": args.images,
        "pixel_size_x": 75e-6,
        "pixel_size_y": 75e-6,
        "saturation_value": (1 << (8 * np.dtype(DTYPES[args.dtype][0]).itemsize)) - 2,
        "sensor_material": "Si",
        "sensor_thickness": 450e-6,
        "threshold_energy": {name: 6000.0 + 1000.0 * i for i, name in enumerate(channels)},
        "countrate_correction_enabled": False,
        "flatfield_enabled": False,
        "pixel_mask_enabled": False,
        "user_data": {"sender": "stream2_sender.py"},
        # What a later firmware might add: receivers must ignore it.
        "x_future_field": {"nested": [1, {"deeper": cbor2.CBORTag(4242, b"\x00\x01")}]},
    }


def image_message(args, channels, image_id, compression):
    time_base = 100_000_000
    return {
        "type": "image",
        "series_id": args.series_id,
        "series_unique_id": SERIES_UNIQUE_ID,
        "image_id": image_id,
        "real_time": [100_000, time_base],
        "series_date": cbor2.CBORTag(0, "2024-05-06T05:08:09.25Z"),
        "start_time": [image_id * 110_000, time_base],
        "stop_time": [image_id * 110_000 + 100_000, time_base],
        "data": {
            name: multidim_array(pixel_values(image_id, c, args.rows, args.cols, args.dtype),
                                 args.dtype, compression)
            for c, name in enumerate(channels)
        },
        "user_data": {"image": image_id},
        "x_future_field": [None, True, 1.5],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--connect", help="endpoint of the receiver's bound PULL socket")
    where.add_argument("--bind", help="endpoint to bind, as a detector does (port 31001)")
    where.add_argument("--check", action="store_true",
                       help="only check that the modules it needs are present")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--cols", type=int, default=48)
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="u16")
    parser.add_argument("--compression", choices=["none", "bslz4", "lz4", "cycle"],
                        default="cycle")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--series-id", type=int, default=1)
    args = parser.parse_args()

    if args.check:
        bslz4_chunk(np.zeros((2, 2), dtype="<u2"))
        return 0

    channels = [f"threshold_{i + 1}" for i in range(args.channels)]
    cycle = ["none", "bslz4", "lz4"]
    context = zmq.Context()
    socket = context.socket(zmq.PUSH)
    socket.setsockopt(zmq.LINGER, 10_000)  # deliver what is queued, but never hang forever
    if args.connect:
        socket.connect(args.connect)
    else:
        socket.bind(args.bind)
    socket.send(encode(start_message(args, channels)))
    for image_id in range(args.images):
        compression = (cycle[image_id % len(cycle)] if args.compression == "cycle"
                       else args.compression)
        socket.send(encode(image_message(args, channels, image_id, compression)))
    socket.send(encode({"type": "end", "series_id": args.series_id,
                        "series_unique_id": SERIES_UNIQUE_ID}))
    socket.close()
    context.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
