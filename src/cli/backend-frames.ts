import { concat, defer, map, of, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { downloadFrames as downloadFramesToDir } from '../entities/operations';
import type { DownloadFramesArgs, SavedFiles, TransferEvent } from './backend';

/**
 * `task frames`: the frames written as cvat-cli names them (`task_<id>_frame_<NNNNNN><ext>`,
 * each through a temporary file; existing files are replaced only with `--overwrite`); progress counts frames. The paths
 * are printed in the order the frames were asked for.
 */
export function downloadFrames(
  client: CvatClient,
  args: DownloadFramesArgs,
): Observable<TransferEvent<SavedFiles>> {
  return defer(() => {
    const total = args.frameIds.length;
    const saved = new Map<number, string>();
    const progress = (loaded: number): TransferEvent<SavedFiles> => ({
      type: 'progress',
      phase: 'download',
      loaded,
      total,
      unit: 'items',
    });
    const written$ = downloadFramesToDir(client.context, 'tasks', args.taskId, args.frameIds, args.outdir, {
      quality: args.quality,
      pattern: `task_${args.taskId}_frame_{frame:06d}{ext}`,
      overwrite: args.overwrite === true,
    }).pipe(
      map((file) => {
        saved.set(file.frame, file.path);
        return progress(saved.size);
      }),
    );
    return concat(
      of(progress(0)),
      written$,
      defer(() =>
        of<TransferEvent<SavedFiles>>({
          type: 'result',
          value: { paths: args.frameIds.flatMap((frame) => saved.get(frame) ?? []) },
        }),
      ),
    );
  });
}
