#!/usr/bin/env python3
"""Draws PerfBench's throughput matrix as a PNG: one panel per transport, bars per pair and direction,
one bar colour per CSV (e.g. JDK 17 and JDK 25), raw loopback TCP noted in the title.

    python3 bench/perf_chart.py out.png 'JDK 17=target/after-17.csv' 'JDK 25=target/after-25.csv'

Needs matplotlib (pip install matplotlib).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAIRS = ["ours->ours", "js->js", "ours->js", "js->ours"]
DIRECTIONS = ["upload", "download"]


def read(path):
    rows = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] in ("throughput", "raw"):
                rows[(row["transport"], row["pair"], row["direction"])] = float(row["value"])
    return rows


def main():
    out, series = sys.argv[1], [arg.split("=", 1) for arg in sys.argv[2:]]
    data = [(label, read(path)) for label, path in series]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    width = 0.8 / len(data)
    for ax, transport in zip(axes, ["quic", "tcp"]):
        labels = [f"{pair}\n{direction}" for direction in DIRECTIONS for pair in PAIRS]
        for i, (label, rows) in enumerate(data):
            values = [rows.get((transport, pair, direction), 0) for direction in DIRECTIONS for pair in PAIRS]
            xs = [x + i * width for x in range(len(labels))]
            bars = ax.bar(xs, values, width, label=label)
            ax.bar_label(bars, fmt="%.0f", fontsize=7)
        ax.set_xticks([x + width * (len(data) - 1) / 2 for x in range(len(labels))], labels, fontsize=8)
        ax.set_title("QUIC" if transport == "quic" else "TCP (Noise, Yamux)")
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("MiB/s, median of 3 (128 MiB, one stream)")
    raw = ", ".join(f"{label}: {rows.get(('raw', 'raw TCP', 'upload'), 0):.0f}/{rows.get(('raw', 'raw TCP', 'download'), 0):.0f}"
                    for label, rows in data)
    fig.suptitle(f"/perf/1.0.0 on loopback, each node its own process (raw loopback TCP up/down MiB/s: {raw})", fontsize=10)
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
