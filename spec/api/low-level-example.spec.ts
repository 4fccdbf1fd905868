import { firstValueFrom } from 'rxjs';
import { ApiClient } from '../../src/api';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { Configuration } from '../../src/transport/configuration';
import { createTaskWithImages, tinyGif } from '../../examples/low-level';

// The seed's low-level example, run against the embedded emulator.
describe('examples/low-level.ts', () => {
  let emulator: RunningEmulator | undefined;
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

  beforeAll(async () => {
    emulator = await startEmulator({ processingDelayMs: 1 });
  });
  afterAll(async () => {
    await emulator?.close();
    log.mockRestore();
  });

  it('creates a task, uploads two images, waits for Finished and reads the size', async () => {
    const client = new ApiClient(
      new Configuration({ host: emulator?.url ?? '', username: 'admin', password: 'admin' }),
    );
    const images = [tinyGif(64, 48, 'a.gif'), tinyGif(32, 32, 'b.gif')];

    const task = await firstValueFrom(createTaskWithImages(client, 'example task', images, 5));

    expect(task.name).toBe('example task');
    expect(task.size).toBe(2);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^created task \d+ \(201\)$/));
  });
});
