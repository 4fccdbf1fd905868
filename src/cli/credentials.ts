import { userInfo } from 'node:os';
import { defer, map, of, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import { redactUrl } from '../transport/redact';
import type { Credentials } from './backend';
import type { CliStream } from './progress';
import { promptHidden, type CliInput } from './prompt';

export type Env = Readonly<Record<string, string | undefined>>;

/** `USER[:PASS]` split at the first colon, like cvat-cli (a password may contain colons). */
export function splitAuth(auth: string): { username: string; password: string | undefined } {
  const colon = auth.indexOf(':');
  if (colon === -1) return { username: auth, password: undefined };
  const password = auth.slice(colon + 1);
  return { username: auth.slice(0, colon), password: password === '' ? undefined : password };
}

/** The login name, looked up like Python's getpass.getuser() (cvat-cli's default user). */
export function defaultUser(env: Env, lookup: () => string = () => userInfo().username): string {
  for (const key of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const value = env[key];
    if (value) return value;
  }
  try {
    return lookup();
  } catch {
    throw new UsageError('cannot determine the user name: use --auth USER[:PASS] or CVAT_ACCESS_TOKEN');
  }
}

export interface CredentialInputs {
  readonly auth: string | undefined;
  readonly env: Env;
  readonly host: string;
  readonly stdin: CliInput | undefined;
  readonly stderr: CliStream;
  /** Called with every secret as soon as it is known, so output can be scrubbed of it. */
  readonly onSecret: (secret: string, username?: string) => void;
}

/**
 * cvat-cli's rules: an explicit `--auth` wins; without it a personal access token from
 * `CVAT_ACCESS_TOKEN`; otherwise the login name. A missing password comes from `PASS`, else a
 * prompt with echo off.
 */
export function resolveCredentials(inputs: CredentialInputs): Observable<Credentials> {
  return defer(() => {
    const { env } = inputs;
    const token = env['CVAT_ACCESS_TOKEN'];
    if (inputs.auth === undefined && token) {
      inputs.onSecret(token);
      return of<Credentials>({ kind: 'token', token });
    }
    const { username, password } =
      inputs.auth === undefined
        ? { username: defaultUser(env), password: undefined }
        : splitAuth(inputs.auth);
    if (username === '') throw new UsageError('--auth: the user name is empty');
    const known = password ?? (env['PASS'] || undefined);
    const password$ =
      known !== undefined
        ? of(known)
        : promptHidden(
            inputs.stdin,
            inputs.stderr,
            `Password for ${username} at ${redactUrl(inputs.host)}: `,
          );
    return password$.pipe(
      map((secret): Credentials => {
        inputs.onSecret(secret, username);
        return { kind: 'password', username, password: secret };
      }),
    );
  });
}
