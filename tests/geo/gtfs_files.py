"""The real GTFS feeds in ../shared/data/gtfs, and small GTFS zips written by tests."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

GTFS = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs"
CHESTER = GTFS / "chester-20230816-small_gtfs.zip"
NEWPORT = GTFS / "newport-20230613_gtfs.zip"
NEWPORT_PBF = (
    Path(settings.BASE_DIR).parent / "shared" / "data" / "osm" / "newport-2023-06-13.osm.pbf"
)

needs_feeds = pytest.mark.skipif(
    not (CHESTER.is_file() and NEWPORT.is_file()), reason="no GTFS feeds in ../shared/data/gtfs"
)


def read_table(zip_path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(zip_path) as archive, archive.open(name) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def write_zip(path: Path, files: dict[str, str], *, bom: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, ("\ufeff" if bom else "") + text.replace("\n", "\r\n"))
    return path


# A line of three stops 1.5 km apart along a parallel in Rutland (too far to walk end to end),
# one trip an hour from 06:00 (and one at 23:40 that runs past midnight), Monday to Saturday in
# June 2023 except Tuesday 13th, plus Sunday 18th added by calendar_dates.
TINY = {
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
        "A,Alpha,52.6700,-0.7300,0\n"
        "B,Bravo,52.6700,-0.7078,\n"
        "C,Charlie,52.6700,-0.6856,\n"
        "S,Station,52.6701,-0.7301,1\n"
    ),
    "routes.txt": "route_id,route_short_name,route_type\nR,T1,3\n",
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,1,0,20230601,20230630\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20230613,2\nWK,20230618,1\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign\n"
    + "".join(f"R,WK,T{h:02d},Charlie\n" for h in range(6, 24))
    + "R,WK,LATE,Charlie\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    + "".join(
        f"T{h:02d},{h:02d}:00:00,{h:02d}:00:00,A,1\n"
        f"T{h:02d},,,B,2\n"
        f"T{h:02d},{h:02d}:10:00,{h:02d}:10:00,C,3\n"
        for h in range(6, 24)
    )
    + "LATE,23:40:00,23:40:00,A,1\nLATE,24:05:00,24:06:00,B,2\nLATE,24:15:00,24:15:00,C,3\n",
}
