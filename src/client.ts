import { type Observable, defer, map, of, switchMap, throwError } from 'rxjs';
import { ApiClient } from './api';
import { credentialFields, consoleLogger, DEFAULT_PAGE_SIZE, isTokenCredentials } from './client/options';
import type { ClientConfig, ClientOptions, Credentials, Logger } from './client/options';
import { DeferredHostTransport, hasScheme } from './client/scheme';
import { checkServerVersion } from './client/version';
import type { ServerVersionCheck } from './client/version';
import type { ClientContext } from './entities/context';
import { requestDecoded } from './entities/resource';
import { UsageError } from './errors';
import { StatusLoopRegistry } from './lifecycle';
import type { RequestStatus } from './lifecycle';
import { About, RestAuthDetail, Token } from './models';
import { makeRepositories } from './repositories';
import type {
  AccessTokensRepository,
  CloudStoragesRepository,
  CommentsRepository,
  ConsensusRepository,
  GuidesRepository,
  InvitationsRepository,
  IssuesRepository,
  JobsRepository,
  LabelsRepository,
  MembershipsRepository,
  OrganizationsRepository,
  ProjectsRepository,
  QualityRepository,
  Repositories,
  RequestsRepository,
  ServerRepository,
  TasksRepository,
  UsersRepository,
  WebhooksRepository,
} from './repositories';
import { lambdaRepository } from './repositories/lambda';
import type { LambdaRepository } from './repositories/lambda';
import { Configuration } from './transport/configuration';
import { Transport } from './transport/transport';

export type {
  ClientConfig,
  ClientOptions,
  Credentials,
  Logger,
  PasswordCredentials,
  PollingOptions,
  TokenCredentials,
} from './client/options';
export type { ServerVersionCheck } from './client/version';
export { TESTED_SERVER_VERSION } from './client/version';

/**
 * The high-level CVAT client. Immutable: `login`, `logout` and `withOrganization` give new clients
 * and leave this one as it was. Repositories hang off it (`client.tasks`, `client.jobs`, …) and
 * every call returns a cold Observable.
 */
export class CvatClient implements Repositories {
  /** The low-level generated API on this client's transport (same host, credentials and organization). */
  readonly api: ApiClient;
  readonly tasks: TasksRepository;
  readonly projects: ProjectsRepository;
  readonly jobs: JobsRepository;
  readonly labels: LabelsRepository;
  readonly users: UsersRepository;
  readonly organizations: OrganizationsRepository;
  readonly memberships: MembershipsRepository;
  readonly invitations: InvitationsRepository;
  readonly issues: IssuesRepository;
  readonly comments: CommentsRepository;
  readonly cloudStorages: CloudStoragesRepository;
  readonly webhooks: WebhooksRepository;
  readonly requests: RequestsRepository;
  readonly quality: QualityRepository;
  readonly consensus: ConsensusRepository;
  readonly accessTokens: AccessTokensRepository;
  readonly guides: GuidesRepository;
  readonly server: ServerRepository;
  /** CVAT's serverless functions (`/api/lambda`): list, call on a frame, run on a task, cancel. */
  readonly lambda: LambdaRepository;
  /** What entities made by this client carry (for extensions such as uploads and downloads). */
  readonly context: ClientContext;

  /** Use {@link makeClient}. */
  constructor(
    readonly transport: Transport,
    readonly config: ClientConfig = {},
  ) {
    const logger: Logger = config.logger ?? consoleLogger;
    this.context = Object.freeze({
      transport,
      pageSize: config.pageSize ?? DEFAULT_PAGE_SIZE,
      polling: config.polling ?? {},
      logger,
      statusLoops: new StatusLoopRegistry<RequestStatus>(),
      ...(config.platform ? { platform: config.platform } : {}),
    });
    this.api = new ApiClient(transport);
    const repositories = makeRepositories(this.context);
    this.tasks = repositories.tasks;
    this.projects = repositories.projects;
    this.jobs = repositories.jobs;
    this.labels = repositories.labels;
    this.users = repositories.users;
    this.organizations = repositories.organizations;
    this.memberships = repositories.memberships;
    this.invitations = repositories.invitations;
    this.issues = repositories.issues;
    this.comments = repositories.comments;
    this.cloudStorages = repositories.cloudStorages;
    this.webhooks = repositories.webhooks;
    this.requests = repositories.requests;
    this.quality = repositories.quality;
    this.consensus = repositories.consensus;
    this.accessTokens = repositories.accessTokens;
    this.guides = repositories.guides;
    this.server = repositories.server;
    this.lambda = lambdaRepository(this.context);
    Object.freeze(this);
  }

  /** The server as configured (without a scheme until one was detected on first use). */
  get host(): string {
    return this.transport.configuration.host;
  }

  /** The organization slug requests are scoped to; `''` = personal workspace; undefined = none. */
  get organization(): string | undefined {
    const org = this.transport.configuration.organization;
    return org === undefined ? undefined : String(org);
  }

  /** True when the client sends credentials of some kind (it may still be rejected by the server). */
  hasCredentials(): boolean {
    const c = this.transport.configuration;
    return Boolean(c.accessToken || c.token || (c.username !== undefined && c.password !== undefined));
  }

  /** A client scoped to an organization (`''` = the personal workspace, undefined = no scope). */
  withOrganization(slug: string | undefined): CvatClient {
    return this.derive({ organization: slug });
  }

  /**
   * Logs in and emits a new client that uses the result. A password is exchanged for an API key
   * (`POST /api/auth/login`, then `Authorization: Token …`), so the password is no longer kept;
   * a personal access token is checked with `GET /api/users/self`. This client is unchanged.
   */
  login(credentials: Credentials): Observable<CvatClient> {
    return defer(() => {
      if (isTokenCredentials(credentials)) {
        if (!credentials.token) return throwError(() => new UsageError('login: the access token is empty'));
        const next = this.derive(credentialFields(credentials));
        return next.users.retrieveCurrentUser().pipe(map(() => next));
      }
      if (!credentials.username || !credentials.password) {
        return throwError(() => new UsageError('login: username and password are required'));
      }
      return requestDecoded(
        this.context,
        {
          method: 'POST',
          url: '/api/auth/login',
          body: { username: credentials.username, password: credentials.password },
          withoutAuth: true,
          withoutOrganization: true,
          operationId: 'auth_create_login',
        },
        Token,
      ).pipe(map((token) => this.derive({ ...credentialFields(undefined), token: token.key })));
    });
  }

  /** Ends the server session (`POST /api/auth/logout`) and emits a client without credentials. */
  logout(): Observable<CvatClient> {
    return requestDecoded(
      this.context,
      {
        method: 'POST',
        url: '/api/auth/logout',
        withoutOrganization: true,
        operationId: 'auth_create_logout',
      },
      RestAuthDetail,
    ).pipe(
      map(() => {
        // The server ended the session and deleted the key; forget the cookies that named them.
        this.transport.session.clear();
        return this.derive(credentialFields(undefined));
      }),
    );
  }

  /** `GET /api/server/about`: name, description and version of the server. */
  about(): Observable<About> {
    return requestDecoded(
      this.context,
      {
        method: 'GET',
        url: '/api/server/about',
        withoutOrganization: true,
        operationId: 'server_retrieve_about',
      },
      About,
    );
  }

  /** The server's version string, e.g. `2.73.1`. */
  serverVersion(): Observable<string> {
    return this.about().pipe(map((about) => about.version));
  }

  /**
   * Compares the server's version with the versions cvat-rx is tested with. Outside them: a
   * warning through the configured logger, or a `UsageError` when `allowUnsupportedServer` is false.
   */
  checkServerVersion(): Observable<ServerVersionCheck> {
    return this.serverVersion().pipe(
      map((version) => {
        const check = checkServerVersion(version);
        if (check.supported) return check;
        const message =
          `server version ${version} is not one cvat-rx is tested with ` +
          `(${check.supportedSeries.map((s) => `${s}.x`).join(', ')}); some calls may fail`;
        if (this.config.allowUnsupportedServer === false) throw new UsageError(message);
        this.context.logger.warn(message);
        return check;
      }),
    );
  }

  private derive(
    changes: Partial<Pick<Configuration, 'organization' | 'username' | 'password' | 'token' | 'accessToken'>>,
  ): CvatClient {
    const configuration = this.transport.configuration.with(changes);
    return new CvatClient(this.transport.withConfiguration(configuration), this.config);
  }
}

/**
 * Makes a client. Nothing is sent until a call is subscribed to. With `{ username, password }`
 * requests carry HTTP Basic auth (call `login` to trade the password for a token); with
 * `{ token }` (a personal access token) they carry `Authorization: Bearer`. A host without a
 * scheme is probed once, https then http, on first use.
 */
export function makeClient(options: ClientOptions): CvatClient {
  const config = options.config ?? {};
  const configuration = new Configuration({
    ...config.transport,
    host: options.host,
    ...credentialFields(options.credentials),
    organization: options.organization,
  });
  const transportOptions = config.backend ? { backend: config.backend } : {};
  const transport = hasScheme(options.host)
    ? new Transport(configuration, transportOptions)
    : new DeferredHostTransport(configuration, transportOptions);
  return new CvatClient(transport, config);
}

/** A client made, logged in (password → token) and checked against the server's version. */
export function connect(options: ClientOptions): Observable<CvatClient> {
  return defer(() => {
    const client = makeClient({ ...options, credentials: undefined });
    const loggedIn$ = options.credentials ? client.login(options.credentials) : of(client);
    return loggedIn$.pipe(switchMap((loggedIn) => loggedIn.checkServerVersion().pipe(map(() => loggedIn))));
  });
}
