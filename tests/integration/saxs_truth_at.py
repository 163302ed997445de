"""Ground-truth SAXS intensity at the target q at given stage points, from the simulator's truth
file: trilinear interpolation on its (temperature, y, x) grid. Prints one JSON object:
{"values": [...], "max": grid maximum, "argmax": [x, y, T]}.

usage: saxs_truth_at.py TRUTH.h5 POINTS.json   (POINTS: [[x_mm, y_mm, T_c], ...])
"""
import json
import sys

import h5py
import numpy as np


def axis_weights(grid, v):
    v = min(max(v, grid[0]), grid[-1])
    i = int(np.clip(np.searchsorted(grid, v) - 1, 0, len(grid) - 2))
    t = (v - grid[i]) / (grid[i + 1] - grid[i])
    return i, t


def main():
    with h5py.File(sys.argv[1], "r") as f:
        table = f["/sample/intensity_at_target_per_cm"][()]
        xs = f["/sample/x_mm"][()]
        ys = f["/sample/y_mm"][()]
        ts = f["/sample/temperature_c"][()]
    points = json.load(open(sys.argv[2]))
    values = []
    for x, y, t in points:
        ix, fx = axis_weights(xs, x)
        iy, fy = axis_weights(ys, y)
        it, ft = axis_weights(ts, t)
        v = 0.0
        for dt, wt in ((0, 1 - ft), (1, ft)):
            for dy, wy in ((0, 1 - fy), (1, fy)):
                for dx, wx in ((0, 1 - fx), (1, fx)):
                    v += wt * wy * wx * table[it + dt, iy + dy, ix + dx]
        values.append(float(v))
    k = np.unravel_index(int(table.argmax()), table.shape)
    print(json.dumps({"values": values, "max": float(table.max()),
                      "argmax": [float(xs[k[2]]), float(ys[k[1]]), float(ts[k[0]])]}))


if __name__ == "__main__":
    main()
