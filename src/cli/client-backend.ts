import { throwError, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { CliBackend, CliBackendFactory } from './backend';

// STUB: the lead implements CliBackend over makeClient() and startEmulator here.
const notWired = (what: string): Observable<never> =>
  throwError(() => new UsageError(`${what} is not wired to the client yet`));

const backend: CliBackend = {
  listTasks: () => notWired('task ls'),
  createTask: () => notWired('task create'),
  deleteTasks: () => notWired('task delete'),
  downloadFrames: () => notWired('task frames'),
  exportTaskDataset: () => notWired('task export-dataset'),
  importTaskDataset: () => notWired('task import-dataset'),
  backupTask: () => notWired('task backup'),
  createTaskFromBackup: () => notWired('task create-from-backup'),
  listProjects: () => notWired('project ls'),
  createProject: () => notWired('project create'),
  deleteProjects: () => notWired('project delete'),
  exportProjectDataset: () => notWired('project export-dataset'),
  importProjectDataset: () => notWired('project import-dataset'),
  backupProject: () => notWired('project backup'),
  createProjectFromBackup: () => notWired('project create-from-backup'),
};

export const clientBackendFactory: CliBackendFactory = {
  connect: () => backend,
  startEmulator: () => notWired('emulator'),
};
