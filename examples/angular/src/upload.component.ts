import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { DecimalPipe } from '@angular/common';
import type { Subscription } from 'rxjs';
import { CvatError } from 'cvat-rx';
import type { ProgressEvent, Task } from 'cvat-rx';
import { CvatService } from 'cvat-rx/angular';

/** Creates a task from the chosen files, with a progress bar that follows the upload and processing. */
@Component({
  selector: 'cvat-upload',
  imports: [DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <input type="file" multiple accept="image/*,video/*" (change)="choose($event)" />
    <button type="button" (click)="start()" [disabled]="files().length === 0 || busy()">Create task</button>
    <button type="button" (click)="cancel()" [disabled]="!busy()">Cancel</button>
    @if (progress(); as p) {
      <progress max="100" [value]="p.percent ?? 0"></progress>
      <span>{{ p.phase }} {{ p.percent ?? 0 | number: '1.0-0' }}%</span>
      @if (p.etaSeconds !== undefined) {
        <span> · {{ p.etaSeconds | number: '1.0-0' }} s left</span>
      }
    }
    @if (task(); as t) {
      <p>Task {{ t.id }} "{{ t.name }}" is ready ({{ t.size }} frames).</p>
    }
    @if (error(); as message) {
      <p role="alert">{{ message }}</p>
    }
  `,
})
export class UploadComponent {
  private readonly cvat = inject(CvatService);
  private readonly destroyRef = inject(DestroyRef);
  private upload: Subscription | undefined;

  protected readonly files = signal<readonly File[]>([]);
  protected readonly progress = signal<ProgressEvent | undefined>(undefined);
  protected readonly task = signal<Task | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);

  protected choose(event: Event): void {
    const input = event.target;
    this.files.set(input instanceof HTMLInputElement && input.files ? Array.from(input.files) : []);
  }

  protected start(): void {
    this.cancel();
    this.task.set(undefined);
    this.error.set(undefined);
    this.busy.set(true);
    const name = this.files()[0]?.name ?? 'upload';
    this.upload = this.cvat
      .createTask(name, ['object'], this.files())
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (view) => {
          if (view.type === 'progress') this.progress.set(view);
          else this.task.set(view.value);
        },
        error: (error: unknown) => {
          // Every failure is a CvatError: ApiError (with the server's message), NetworkError, …
          this.error.set(error instanceof CvatError ? error.message : String(error));
          this.busy.set(false);
        },
        complete: () => this.busy.set(false),
      });
  }

  /** Unsubscribing is the cancellation: the request in flight is aborted. */
  protected cancel(): void {
    this.upload?.unsubscribe();
    this.upload = undefined;
    this.busy.set(false);
  }
}
