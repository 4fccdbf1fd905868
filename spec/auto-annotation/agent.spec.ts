import { Subject, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Task } from '../../src';
import { labelSpec, rectangle, type DetectionFunction } from '../../src/auto-annotation';
import { STOPPED_MESSAGE, serveAgent, type AgentEvent } from '../../src/auto-annotation/agent';
import { createNativeFunction, deleteNativeFunction } from '../../src/auto-annotation/functions-api';
import { functionsOf } from '../../src/emulator/resources/functions';
import { createColourBlobDetector } from '../../examples/functions/colour-blobs';
import { makeNodeClient } from '../../src/node';
import { boxesOf, eventually, makeTask, startFixture, type Fixture } from './support';

/** A function that never finishes a frame until the run is cancelled. */
const stuck: DetectionFunction = {
  spec: { labels: [labelSpec('car', 0)] },
  detect: (context) =>
    new Promise((resolve) =>
      context.signal.addEventListener('abort', () => resolve([rectangle(0, [0, 0, 1, 1])])),
    ),
};

describe('serveAgent (native functions)', () => {
  let fx: Fixture;
  let task: Task;
  const acquired = (): number =>
    [...functionsOf(fx.emulator.emulator).requests.values()].filter((r) => r.status === 'started').length;

  beforeAll(async () => {
    fx = await startFixture();
    task = await makeTask(fx.client, 12, 5, 'agent');
  });
  afterAll(async () => {
    await fx.emulator.close();
  });

  it('serves a task request made as CVAT UI makes it, and stops with nothing acquired', async () => {
    const fn = createColourBlobDetector();
    const remote = await firstValueFrom(createNativeFunction(fx.client.context, 'blobs', fn.spec));
    const run = lastValueFrom(
      fx.client.lambda
        .runOnTask(`pk:${remote.id}`, task.id, { cleanup: true, observe: 'events' })
        .pipe(toArray()),
    );
    const stop = new Subject<void>();
    const events: AgentEvent[] = [];
    const agent = lastValueFrom(
      serveAgent(fx.client, remote.id, fn, { pollIntervalMs: 20, leaseRenewalMs: 10_000, stop }).pipe(
        toArray(),
      ),
    );
    const followed = await run;
    expect(followed.at(-1)).toMatchObject({ type: 'result', value: { status: 'finished', progress: 100 } });
    stop.next();
    events.push(...(await agent));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['started', 'acquired', 'progress', 'completed']),
    );
    const expected = Array.from({ length: 12 }, (_, n) => boxesOf(n)).flat().length;
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ shapes: expected, tags: 0 });
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(expected);
    expect(acquired()).toBe(0);
  });

  it('serves a one-frame (interactive) call', async () => {
    const fn = createColourBlobDetector();
    const remote = await firstValueFrom(createNativeFunction(fx.client.context, 'blobs-frame', fn.spec));
    const stop = new Subject<void>();
    const agent = lastValueFrom(
      serveAgent(fx.client, remote.id, fn, { pollIntervalMs: 20, stop }).pipe(toArray()),
    );
    const shapes = await firstValueFrom(
      fx.client.lambda.call(`pk:${remote.id}`, { task: task.id, frame: 4 }),
    );
    stop.next();
    await agent;
    const labels = await lastValueFrom(task.labels().pipe(toArray()));
    expect(shapes.map((s) => labels.find((l) => l.id === s['label_id'])?.name).sort()).toEqual(
      boxesOf(4)
        .map((b) => b.label)
        .sort(),
    );
  });

  it('stopped while working, fails the request so that nothing stays acquired', async () => {
    const remote = await firstValueFrom(createNativeFunction(fx.client.context, 'stuck', stuck.spec));
    const call = await firstValueFrom(
      fx.client.lambda.runOnTask(`pk:${remote.id}`, task.id, {
        observe: 'events',
        cancelOnUnsubscribe: false,
      }),
    );
    expect(call).toMatchObject({ type: 'progress', message: 'queued' });
    const stop = new Subject<void>();
    const events: AgentEvent[] = [];
    const done = new Promise<void>((resolve, reject) => {
      serveAgent(fx.client, remote.id, stuck, { pollIntervalMs: 20, stop }).subscribe({
        next: (event) => {
          events.push(event);
          if (event.type === 'acquired') stop.next();
        },
        error: reject,
        complete: resolve,
      });
    });
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'failed', message: STOPPED_MESSAGE });
    expect(acquired()).toBe(0);
    const requests = await lastValueFrom(fx.client.lambda.requests().pipe(toArray()));
    expect(requests.filter((r) => r.status === 'failed').map((r) => r.exc_info)).toContain(STOPPED_MESSAGE);
  });

  it('unsubscribed while working, hands the request back', async () => {
    const remote = await firstValueFrom(createNativeFunction(fx.client.context, 'stuck-2', stuck.spec));
    await firstValueFrom(
      fx.client.lambda.runOnTask(`pk:${remote.id}`, task.id, {
        observe: 'events',
        cancelOnUnsubscribe: false,
      }),
    );
    let subscription: Subscription | undefined;
    await new Promise<void>((resolve) => {
      subscription = serveAgent(fx.client, remote.id, stuck, { pollIntervalMs: 20 }).subscribe((event) => {
        if (event.type === 'acquired') resolve();
      });
    });
    subscription?.unsubscribe();
    expect(
      await eventually(
        async () => acquired(),
        (n) => n === 0,
      ),
    ).toBe(0);
  });

  it('refuses a function whose labels the local function lacks, before acquiring anything', async () => {
    const remote = await firstValueFrom(
      createNativeFunction(fx.client.context, 'other', { labels: [labelSpec('boat', 1)] }),
    );
    await expect(lastValueFrom(serveAgent(fx.client, remote.id, stuck, { burst: true }))).rejects.toThrow(
      /label "boat" is not supported/,
    );
    await lastValueFrom(deleteNativeFunction(fx.client.context, remote.id));
  });

  it('with burst, processes what is queued and completes', async () => {
    const fn = createColourBlobDetector();
    const remote = await firstValueFrom(createNativeFunction(fx.client.context, 'burst', fn.spec));
    await firstValueFrom(
      fx.client.lambda.runOnTask(`pk:${remote.id}`, task.id, {
        observe: 'events',
        cancelOnUnsubscribe: false,
      }),
    );
    const events = await lastValueFrom(serveAgent(fx.client, remote.id, fn, { burst: true }).pipe(toArray()));
    expect(events.map((e) => e.type).filter((type) => type !== 'progress')).toEqual([
      'started',
      'acquired',
      'completed',
      'idle',
    ]);
  });

  it('renews its lease while a request runs', async () => {
    let updates = 0;
    let renewed: () => void = () => undefined;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    const counting = await lastValueFrom(
      makeNodeClient({
        host: fx.emulator.url,
        config: {
          transport: {
            interceptors: [
              (req, next) => {
                if (req.url.endsWith('/update') && (updates += 1) >= 2) renewed();
                return next(req);
              },
            ],
          },
        },
      }).login({ username: 'admin', password: 'admin' }),
    );
    // Each frame waits for the second update: the one sent by the lease timer, not at the start.
    const patient: DetectionFunction = {
      spec: { labels: [labelSpec('car', 0)] },
      detect: async () => {
        await renewal;
        return [rectangle(0, [0, 0, 1, 1])];
      },
    };
    const remote = await firstValueFrom(createNativeFunction(counting.context, 'patient', patient.spec));
    await firstValueFrom(
      counting.lambda.runOnTask(`pk:${remote.id}`, task.id, {
        observe: 'events',
        cancelOnUnsubscribe: false,
      }),
    );
    const events = await lastValueFrom(
      serveAgent(counting, remote.id, patient, { burst: true, leaseRenewalMs: 20 }).pipe(toArray()),
    );
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ shapes: 12 });
  });
});
