import { catchError, concat, defer, map, of, switchMap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { checkServerVersion } from '../client/version';
import type { ServerCheck } from './backend';

/** The headers a browser page sends when it uploads task data (CVAT's upload protocol and TUS). */
const UPLOAD_HEADERS = [
  'authorization',
  'content-type',
  'x-organization',
  'upload-start',
  'upload-multiple',
  'upload-finish',
  'tus-resumable',
  'upload-length',
  'upload-metadata',
  'upload-offset',
];
/** The response headers such a page must be able to read. */
const EXPOSED = ['location', 'upload-offset', 'upload-filename'];

const pass = (name: string, detail: string): ServerCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string): ServerCheck => ({ name, ok: false, detail });

function reason(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

/** One check: its line, or a failed line with the error's first line. */
function check(name: string, run: () => Observable<ServerCheck>): Observable<ServerCheck> {
  return defer(run).pipe(catchError((error: unknown) => of(fail(name, reason(error)))));
}

function headerList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
}

export interface ServerCheckInputs {
  /** The client before login (for the public routes), and how to log it in. */
  readonly anonymous: CvatClient;
  readonly login: () => Observable<CvatClient>;
  readonly host: string;
  readonly verifySsl: boolean;
  readonly organization?: string;
  readonly origin?: string;
}

/**
 * `cvat-rx server check`: read-only questions to a server, one line each: reachable, TLS,
 * version, auth, organizations, the Requests API, upload limits, formats, and CORS for a browser
 * origin. Nothing is created or changed (GET and OPTIONS only, plus the login).
 */
export function serverChecks(inputs: ServerCheckInputs): Observable<ServerCheck> {
  const { anonymous } = inputs;
  return anonymous.about().pipe(
    switchMap((about) => {
      const version = checkServerVersion(about.version);
      const tls = inputs.host.startsWith('https:')
        ? inputs.verifySsl
          ? pass('tls', 'https, certificate verified')
          : pass('tls', 'https, certificate NOT verified (--insecure)')
        : pass('tls', 'not used (http); browsers on https pages cannot call an http server');
      const fixed = of(
        pass('reachable', `${about.name} at ${inputs.host}`),
        tls,
        version.supported
          ? pass('version', `${about.version} (supported: ${version.supportedSeries.join(', ')})`)
          : fail(
              'version',
              `${about.version} is outside the tested series ${version.supportedSeries.join(', ')}`,
            ),
      );
      return concat(fixed, afterLogin(inputs), cors(inputs));
    }),
    catchError((error: unknown) => of(fail('reachable', `${inputs.host}: ${reason(error)}`))),
  );
}

function afterLogin(inputs: ServerCheckInputs): Observable<ServerCheck> {
  return inputs.login().pipe(
    switchMap((client) =>
      client.users
        .retrieveCurrentUser()
        .pipe(
          switchMap((user) =>
            concat(
              of(pass('auth', `logged in as ${user.username}${user.is_superuser ? ' (superuser)' : ''}`)),
              organizations(client, inputs.organization),
              requestsApi(client),
              uploadLimits(client),
              formats(client),
            ),
          ),
        ),
    ),
    catchError((error: unknown) => of(fail('auth', reason(error)))),
  );
}

function organizations(client: CvatClient, wanted: string | undefined): Observable<ServerCheck> {
  return check('organizations', () =>
    client
      .withOrganization(undefined)
      .organizations.list()
      .pipe(
        toArray(),
        map((orgs) => {
          const slugs = orgs.map((org) => org.slug);
          if (wanted !== undefined && wanted !== '' && !slugs.includes(wanted))
            return fail(
              'organizations',
              `"${wanted}" (--org) is not among yours: ${slugs.join(', ') || 'none'}`,
            );
          return pass('organizations', slugs.length === 0 ? 'none (personal workspace)' : slugs.join(', '));
        }),
      ),
  );
}

function requestsApi(client: CvatClient): Observable<ServerCheck> {
  return check('requests api', () =>
    client.transport
      .request(
        { method: 'GET', url: '/api/requests', query: { page_size: 1 }, operationId: 'requests_list' },
        { checkStatus: false },
      )
      .pipe(
        map((response) => {
          if (response.status === 200) return pass('requests api', '/api/requests answers');
          if (response.status === 404)
            return pass('requests api', 'absent: the legacy status endpoints are used instead');
          return fail('requests api', `/api/requests answered ${response.status}`);
        }),
      ),
  );
}

function uploadLimits(client: CvatClient): Observable<ServerCheck> {
  const bulk = 'bulk requests stay under 100 MiB, larger files go by TUS';
  return check('upload limits', () =>
    client.tasks.list({ pageSize: 1 }).pipe(
      toArray(),
      switchMap(([task]) => {
        if (task === undefined) return of(pass('upload limits', `${bulk}; no task to ask for Tus-Max-Size`));
        return client.transport
          .request(
            {
              method: 'OPTIONS',
              url: `/api/tasks/${task.id}/data/`,
              headers: { 'Tus-Resumable': '1.0.0' },
              operationId: 'tasks_data_options',
            },
            { checkStatus: false },
          )
          .pipe(
            map((response) => {
              const max = Number(response.headers['tus-max-size']);
              return pass(
                'upload limits',
                Number.isFinite(max) && max > 0
                  ? `${bulk}; Tus-Max-Size ${(max / 2 ** 30).toFixed(1)} GiB`
                  : `${bulk}; the server announces no Tus-Max-Size`,
              );
            }),
          );
      }),
    ),
  );
}

function formats(client: CvatClient): Observable<ServerCheck> {
  return check('formats', () =>
    client.api.serverApi
      .retrieveAnnotationFormats()
      .pipe(
        map(([body]) =>
          pass('formats', `${body.importers.length} import and ${body.exporters.length} export formats`),
        ),
      ),
  );
}

/** A CORS preflight for an upload from `origin`, then the headers an actual response exposes. */
function cors(inputs: ServerCheckInputs): Observable<ServerCheck> {
  const origin = inputs.origin;
  if (origin === undefined) return of(pass('cors', 'not checked (give --origin URL for a browser app)'));
  return check('cors', () =>
    inputs.anonymous.transport
      .request(
        {
          method: 'OPTIONS',
          url: '/api/tasks/1/data/',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': 'PATCH',
            'Access-Control-Request-Headers': UPLOAD_HEADERS.join(','),
          },
          withoutAuth: true,
          withoutOrganization: true,
          operationId: 'cors_preflight',
        },
        { checkStatus: false },
      )
      .pipe(
        switchMap((preflight) => {
          const allowOrigin = preflight.headers['access-control-allow-origin'];
          if (allowOrigin !== origin && allowOrigin !== '*')
            return of(
              fail('cors', `a page at ${origin} may not call the server (no Access-Control-Allow-Origin)`),
            );
          const allowed = headerList(preflight.headers['access-control-allow-headers']);
          const missing = UPLOAD_HEADERS.filter((h) => !allowed.includes(h));
          if (missing.length > 0)
            return of(fail('cors', `upload headers not allowed: ${missing.join(', ')}`));
          return inputs.anonymous.transport
            .request(
              {
                method: 'GET',
                url: '/api/server/about',
                headers: { Origin: origin },
                withoutAuth: true,
                withoutOrganization: true,
                operationId: 'server_retrieve_about',
              },
              { checkStatus: false },
            )
            .pipe(
              map((response) => {
                const exposed = headerList(response.headers['access-control-expose-headers']);
                const hidden = EXPOSED.filter((h) => !exposed.includes(h));
                return hidden.length === 0
                  ? pass('cors', `a page at ${origin} may upload (preflight and exposed headers)`)
                  : fail('cors', `headers a page cannot read: ${hidden.join(', ')}`);
              }),
            );
        }),
      ),
  );
}
