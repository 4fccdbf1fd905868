"""cvat-sdk's side of the cvat-sdk comparison in `npm run bench` (bench/suites/peers.ts).

Usage: python sdk_bench.py '<job json>' (the password comes from the PASS variable).
Does one job the way cvat-sdk's users would, between two measure marks on stdout (the parent
reads the emulator's CPU time at each), and prints one result line:
  create-big / create-many: tasks.create_from_data(spec, resources, data_params)
  frames: task.get_frame(i, quality="original") for each frame, kept in memory
  download: task.download_backup(path)
  list: tasks.list() (every task)
"""

import json
import os
import sys
import time
from pathlib import Path

from cvat_sdk.core.client import Client, Config


MARK = "@@bench-mark "
RESULT = "@@bench-result "

# The status period of the waits in create_from_data and download_backup. The SDK's default is
# 5 s; a short one keeps the comparison about the transfers. cvat-rx's side polls at the same fixed
# period (STATUS_PERIOD_MS in peer-child.ts).
STATUS_PERIOD = 0.1


def work(client: Client, job: dict) -> dict:
    kind = job["job"]
    if kind in ("create-big", "create-many"):
        if "file" in job:
            resources = [job["file"]]
        else:
            resources = sorted(str(p) for p in Path(job["dir"]).iterdir())
        task = client.tasks.create_from_data(
            spec={"name": job["name"], "labels": [{"name": "car"}]},
            resources=resources,
            data_params={"image_quality": 70},
        )
        return {"amount": job["bytes"], "taskId": task.id}
    if kind == "frames":
        task = client.tasks.retrieve(job["taskId"])
        total = 0
        for i in range(job["count"]):
            total += len(task.get_frame(i, quality="original").read())
        return {"amount": total}
    if kind == "download":
        task = client.tasks.retrieve(job["taskId"])
        task.download_backup(job["target"])
        return {"amount": os.path.getsize(job["target"])}
    if kind == "list":
        return {"amount": len(client.tasks.list())}
    raise ValueError(f"unknown job {kind}")


def main() -> None:
    job = json.loads(sys.argv[1])
    with Client(job["url"], config=Config(status_check_period=STATUS_PERIOD)) as client:
        client.login((job["user"], os.environ["PASS"]))
        client.get_server_version()  # a warm call: socket and session ready
        print(MARK + "start", flush=True)
        start, cpu = time.perf_counter(), time.process_time()
        result = work(client, job)
        ms = (time.perf_counter() - start) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        print(MARK + "end", flush=True)
    print(RESULT + json.dumps({"ms": ms, "cpuMs": cpu_ms, **result}), flush=True)


if __name__ == "__main__":
    main()
