/**
 * `cvat-rx/angular`: the CVAT client as an Angular service. Angular is an optional peer dependency
 * of cvat-rx; only this entry imports it. No decorators: `provideCvat` registers the service with
 * a factory, so the entry needs no Angular compilation step and works in AOT and JIT apps alike.
 */
import { InjectionToken, inject } from '@angular/core';
import type { Provider } from '@angular/core';
import { BehaviorSubject, map, switchMap, take, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { makeClient } from '../client';
import type { CvatClient } from '../client';
import type { Task } from '../entities';
import type { RequestStatus } from '../lifecycle';
import { toProgressView } from '../transfer/progress';
import type { TransferEvent } from '../transfer/progress';

/** Where the CVAT server is (the app's origin must be allowed by the server's CORS settings). */
export interface CvatConfig {
  readonly host: string;
  /** The organization requests are scoped to; none by default. */
  readonly organization?: string;
}

export const CVAT_CONFIG = new InjectionToken<CvatConfig>('CVAT_CONFIG');

/**
 * The app's one CVAT client. The client is immutable, so logging in replaces it; components read
 * the current one through the service and get cold Observables back (nothing is sent until the
 * template or a component subscribes, and unsubscribing cancels the request).
 */
export class CvatService {
  private readonly current: BehaviorSubject<CvatClient>;

  /** The current client: anonymous until `login`. */
  readonly client$: Observable<CvatClient>;
  readonly loggedIn$: Observable<boolean>;

  constructor(config: CvatConfig) {
    this.current = new BehaviorSubject<CvatClient>(
      makeClient({
        host: config.host,
        ...(config.organization === undefined ? {} : { organization: config.organization }),
      }),
    );
    this.client$ = this.current.asObservable();
    this.loggedIn$ = this.current.pipe(map((client) => client.hasCredentials()));
  }

  /** Trades the password for a token; later calls use it. */
  login(username: string, password: string): Observable<CvatClient> {
    return this.current.value.login({ username, password }).pipe(tap((client) => this.current.next(client)));
  }

  logout(): Observable<CvatClient> {
    return this.current.value.logout().pipe(tap((client) => this.current.next(client)));
  }

  /** Every task the user can see, as one array (pages are fetched as the list is read). */
  tasks(): Observable<readonly Task[]> {
    return this.withClient((client) => client.tasks.list().pipe(toArray()));
  }

  /**
   * Creates a task from the user's Files: progress views for a bar (upload, then the server's
   * processing), then the Task. Unsubscribing cancels the upload; nothing more is sent.
   */
  createTask(
    name: string,
    labels: readonly string[],
    files: readonly File[],
  ): Observable<TransferEvent<Task>> {
    return this.withClient((client) =>
      client.tasks.createFromData(
        { spec: { name, labels: labels.map((label) => ({ name: label })) }, resources: files },
        { observe: 'events' },
      ),
    ).pipe(toProgressView());
  }

  /** A task's data processing, polled until it ends (one poll loop however many subscribe). */
  status(task: Task): Observable<RequestStatus> {
    return task.status$;
  }

  private withClient<T>(call: (client: CvatClient) => Observable<T>): Observable<T> {
    return this.current.pipe(take(1), switchMap(call));
  }
}

/**
 * `providers: [provideCvat({ host: 'https://cvat.example.com' })]` in the application config;
 * then `inject(CvatService)` anywhere in the app.
 */
export function provideCvat(config: CvatConfig): Provider[] {
  return [
    { provide: CVAT_CONFIG, useValue: config },
    { provide: CvatService, useFactory: () => new CvatService(inject(CVAT_CONFIG)) },
  ];
}
