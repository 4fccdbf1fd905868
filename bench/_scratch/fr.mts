import http from 'node:http';
import axios from 'axios';
import { from, lastValueFrom, mergeMap, reduce } from 'rxjs';
import { ApiClient } from '/work/main/src/api';
import { Configuration, Transport } from '/work/main/src/transport';
const { url, id } = JSON.parse(process.argv[2]!);
const N = 300;
const t = new Transport(new Configuration({ host: url, username: 'admin', password: 'admin' }));
const api = new ApiClient(t);
const auth = 'Basic ' + Buffer.from('admin:admin').toString('base64');
const ax = axios.create({ baseURL: url, httpAgent: new http.Agent({ keepAlive: true }), headers: { Authorization: auth } });
const agent = new http.Agent({ keepAlive: true });
const runs: Record<string, (n: number) => Promise<unknown>> = {
  http: (n) => new Promise((res, rej) => { http.get(`${url}/api/tasks/${id}/data?type=frame&quality=original&number=${n}`, { agent, headers: { Authorization: auth } }, (r) => { const p: Buffer[] = []; r.on('data', (d) => p.push(d)); r.on('end', () => res(Buffer.concat(p))); }).on('error', rej); }),
  rx: (n) => lastValueFrom(api.tasksApi.retrieveData({ id, type: 'frame', number: n, quality: 'original' })),
  rxTransport: (n) => lastValueFrom(t.request({ method: 'GET', url: `/api/tasks/${id}/data`, query: { type: 'frame', number: n, quality: 'original' }, responseType: 'arraybuffer' })),
  axios: (n) => ax.get(`/api/tasks/${id}/data`, { params: { type: 'frame', number: n, quality: 'original' }, responseType: 'arraybuffer' }),
};
for (const conc of [1, 8, 1, 8]) for (const [name, f] of Object.entries(runs)) {
  await lastValueFrom(from(Array.from({ length: 50 }, (_, i) => i)).pipe(mergeMap((n) => f(n), conc), reduce((a) => a, 0)));
  const s = performance.now();
  await lastValueFrom(from(Array.from({ length: N }, (_, i) => i)).pipe(mergeMap((n) => f(n), conc), reduce((a) => a, 0)));
  console.log(name, 'conc', conc, ((performance.now() - s) / N).toFixed(3), 'ms/frame');
}
