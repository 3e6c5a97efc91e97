"""`make bench`'s road network build figures: each OpenStreetMap extract in ../shared/data/osm
built with `road_network_build` (osrm-extract, osrm-contract, the check), three times each.

    python scripts/bench/road_build.py [RUNS]

One JSON line per extract (`road_build_<name>`: the median run's seconds and peak MB of each
step, and those per MB of extract), then `road_build_fit`: a least-squares line, value = fixed +
per_mb × extract MB, through the medians of every extract, which separates the fixed cost (the
Lua profile, the libraries) from the part that grows with the extract. docs/road-network.md
uses these to size a region and England. No database is needed.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from geo.road_networks import road_network_build  # noqa: E402

OSM = ROOT.parent / "shared" / "data" / "osm"
FIGURES = ("extract_seconds", "extract_peak_mb", "contract_seconds", "contract_peak_mb")


def build_once(pbf: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        summary = road_network_build(pbf=pbf, out=Path(out), commit=True)
        version = Path(out) / summary.version
        output_bytes = sum(p.stat().st_size for p in version.iterdir())
    steps = {step.name: step for step in summary.steps}
    return {
        "extract_seconds": steps["extract"].seconds,
        "extract_peak_mb": steps["extract"].peak_rss_mb,
        "contract_seconds": steps["contract"].seconds,
        "contract_peak_mb": steps["contract"].peak_rss_mb,
        "check_seconds": float((summary.check or {}).get("check_seconds", 0.0)),
        "output_mb": round(output_bytes / 1_000_000, 2),
    }


def fit(points: list[tuple[float, float]]) -> dict[str, float]:
    """value = fixed + per_mb × size, least squares."""
    sizes = [size for size, _ in points]
    values = [value for _, value in points]
    mean_size, mean_value = statistics.fmean(sizes), statistics.fmean(values)
    spread = sum((s - mean_size) ** 2 for s in sizes)
    slope = sum((s - mean_size) * (v - mean_value) for s, v in points) / spread if spread else 0
    return {"fixed": round(mean_value - slope * mean_size, 3), "per_mb": round(slope, 3)}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    medians: dict[str, tuple[float, dict[str, float]]] = {}
    for pbf in sorted(OSM.glob("*.osm.pbf")):
        size_mb = pbf.stat().st_size / 1_000_000
        results = [build_once(pbf) for _ in range(runs)]
        median = {key: statistics.median(r[key] for r in results) for key in results[0]}
        medians[pbf.name] = (size_mb, median)
        line: dict[str, object] = {
            "name": f"road_build_{pbf.name.removesuffix('.osm.pbf')}",
            "extract_mb": round(size_mb, 3),
            "runs": runs,
            **{key: round(value, 2) for key, value in median.items()},
            **{f"{key}_range": [min(r[key] for r in results), max(r[key] for r in results)]
               for key in FIGURES},
            **{f"{key}_per_extract_mb": round(median[key] / size_mb, 2) for key in FIGURES},
        }  # fmt: skip
        print(json.dumps(line), flush=True)
    if len(medians) >= 2:
        print(
            json.dumps(
                {
                    "name": "road_build_fit",
                    "extracts": len(medians),
                    **{
                        key: fit([(size, median[key]) for size, median in medians.values()])
                        for key in (*FIGURES, "output_mb")
                    },
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
