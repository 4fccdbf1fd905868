"""Drives CVAT's official Python SDK (cvat-sdk) through a task's life against a CVAT server.

Usage: python sdk_check.py URL USER WORKDIR IMAGE... (the password comes from the PASS variable).
Prints one JSON report on stdout; spec/peers/cvat-peers.spec.ts compares it with what cvat-rx sees.
Any SDK error ends the script with a non-zero status and the traceback on stderr.
"""

import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path

from cvat_sdk import models
from cvat_sdk.core.client import Client, Config
from cvat_sdk.core.proxies.annotations import AnnotationUpdateAction


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def counts(annotations) -> dict:
    return {
        "tags": len(annotations.tags),
        "shapes": len(annotations.shapes),
        "tracks": len(annotations.tracks),
    }


def main() -> None:
    url, user, workdir, *images = sys.argv[1:]
    work = Path(workdir)
    prefix = os.environ.get("PEER_PREFIX", "sdk-")
    report: dict = {}
    # A short status period: the emulator finishes its requests at once.
    with Client(url, config=Config(status_check_period=0.2)) as client:
        client.login((user, os.environ["PASS"]))
        report["server_version"] = str(client.get_server_version())

        task = client.tasks.create_from_data(
            spec={"name": prefix + "task", "labels": [{"name": "car"}, {"name": "person"}]},
            resources=images,
            data_params={"image_quality": 70},
        )
        report["task_id"] = task.id
        report["task_size"] = task.size

        # Frames: raw bytes of each frame, and the files download_frames writes.
        report["frames"] = [
            sha256(task.get_frame(i, quality="original").read()) for i in range(task.size)
        ]
        task.download_frames(range(task.size), outdir=work / "frames", quality="original")
        report["downloaded_frames"] = sorted(p.name for p in (work / "frames").iterdir())

        # Annotations: set, then patch (create, update, delete), get after each step.
        labels = {label.name: label.id for label in task.get_labels()}
        report["labels"] = labels
        task.set_annotations(
            models.LabeledDataRequest(
                shapes=[
                    models.LabeledShapeRequest(
                        type="rectangle",
                        frame=0,
                        label_id=labels["car"],
                        points=[1.0, 2.0, 10.0, 12.0],
                    ),
                ],
                tags=[models.LabeledImageRequest(frame=1, label_id=labels["person"])],
            )
        )
        report["after_set"] = counts(task.get_annotations())
        task.update_annotations(
            models.PatchedLabeledDataRequest(
                shapes=[
                    models.LabeledShapeRequest(
                        type="polygon",
                        frame=1,
                        label_id=labels["person"],
                        points=[1.0, 1.0, 5.0, 1.0, 5.0, 5.0],
                    ),
                ]
            ),
            action=AnnotationUpdateAction.CREATE,
        )
        report["after_create"] = counts(task.get_annotations())
        current = task.get_annotations()
        box = next(s for s in current.shapes if s.type.value == "rectangle")
        task.update_annotations(
            models.PatchedLabeledDataRequest(
                shapes=[
                    models.LabeledShapeRequest(
                        id=box.id,
                        type="rectangle",
                        frame=box.frame,
                        label_id=box.label_id,
                        points=[2.0, 3.0, 11.0, 13.0],
                    )
                ]
            ),
            action=AnnotationUpdateAction.UPDATE,
        )
        moved = next(s for s in task.get_annotations().shapes if s.id == box.id)
        report["updated_points"] = list(moved.points)
        task.remove_annotations(ids=[current.tags[0].id])
        report["after_delete"] = counts(task.get_annotations())

        # Export, backup and restore.
        dataset = work / "sdk-dataset.zip"
        task.export_dataset("CVAT for images 1.1", dataset, include_images=False)
        with zipfile.ZipFile(dataset) as z:
            report["dataset_entries"] = sorted(z.namelist())
        # The formats users pick most: Datumaro round trip, YOLO layout.
        datumaro = work / "sdk-datumaro.zip"
        task.export_dataset("Datumaro 1.0", datumaro, include_images=False)
        task.remove_annotations()
        task.import_annotations("Datumaro 1.0", datumaro)
        report["after_datumaro_import"] = counts(task.get_annotations())
        yolo = work / "sdk-yolo.zip"
        task.export_dataset("YOLO 1.1", yolo, include_images=False)
        with zipfile.ZipFile(yolo) as z:
            report["yolo_entries"] = sorted(z.namelist())
        backup = work / "sdk-backup.zip"
        task.download_backup(backup)
        with zipfile.ZipFile(backup) as z:
            report["backup_entries"] = sorted(z.namelist())
        restored = client.tasks.create_from_backup(backup)
        report["restored_id"] = restored.id
        report["restored_size"] = restored.size
        report["restored_annotations"] = counts(restored.get_annotations())

        # Organizations: create one, work inside it, remove it.
        slug = os.environ.get("PEER_ORG", "sdkorg")
        org = client.organizations.create({"slug": slug, "name": prefix + "org"})
        report["org_id"] = org.id
        report["org_listed"] = any(o.id == org.id for o in client.organizations.list())
        with client.organization_context(slug):
            in_org = client.tasks.create({"name": prefix + "org-task", "labels": [{"name": "car"}]})
            report["org_task_id"] = in_org.id
            report["org_task_organization"] = in_org.organization
            report["org_tasks"] = sorted(t.id for t in client.tasks.list())
            in_org.remove()
        org.remove()

    print(json.dumps(report))


if __name__ == "__main__":
    main()
