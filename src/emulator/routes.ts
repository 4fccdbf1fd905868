import { notImplemented } from './errors';
import { registerRequests } from './requests';
import { registerAuth } from './resources/auth';
import { registerWebhooks } from './resources/webhooks';
import { registerGuides } from './resources/guides';
import { registerCloudStorages } from './resources/cloudstorages';
import { registerConsensus } from './resources/consensus';
import { registerQuality } from './resources/quality';
import { registerData } from './resources/data';
import { registerIssues } from './resources/issues';
import { registerJobs } from './resources/jobs';
import { registerLabels } from './resources/labels';
import { registerLegacy } from './resources/legacy';
import { registerOrganizations } from './resources/organizations';
import { registerProjects } from './resources/projects';
import { registerServer } from './resources/server';
import { registerTasks } from './resources/tasks';
import { registerUsers } from './resources/users';
import { registerFunctions } from './resources/functions';
import { registerLambda } from './resources/lambda';
import { registerTransfers } from './resources/transfers';
import type { Emulator } from './server';

/** CVAT API areas the emulator knows about but does not implement: they answer 501, never a wrong shape. */
const NOT_IMPLEMENTED = [
  ['/api/cloudstorages/:id/actions', 'cloud storage actions'],
  ['/api/analytics', 'analytics'],
  ['/api/assets', 'guide assets'],
  ['/api/events', 'events'],
  ['/api/growth', 'user growth data'],
  ['/api/auth/register', 'user registration'],
  ['/api/auth/password', 'password management'],
  ['/api/auth/rules', 'IAM rules'],
  ['/api/schema', "the OpenAPI schema endpoint (use CVAT's schema.yml)"],
  ['/api/tasks/:id/validation_layout', 'validation layouts'],
  ['/api/jobs/:id/validation_layout', 'validation layouts'],
] as const;

export function registerRoutes(emu: Emulator): void {
  registerServer(emu);
  registerAuth(emu);
  registerUsers(emu);
  registerOrganizations(emu);
  registerProjects(emu);
  registerTransfers(emu);
  registerData(emu);
  registerTasks(emu);
  registerJobs(emu);
  registerLabels(emu);
  registerIssues(emu);
  registerRequests(emu);
  registerQuality(emu);
  registerWebhooks(emu);
  registerGuides(emu);
  registerCloudStorages(emu);
  registerConsensus(emu);
  registerLegacy(emu);
  registerFunctions(emu);
  registerLambda(emu);
  for (const [prefix, what] of NOT_IMPLEMENTED) {
    const handler = (): never => {
      throw notImplemented(what);
    };
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      emu.router
        .add(method, prefix, handler)
        .add(method, `${prefix}/:rest`, handler)
        .add(method, `${prefix}/:rest/:more`, handler)
        .add(method, `${prefix}/:rest/:more/:tail`, handler);
    }
  }
}
