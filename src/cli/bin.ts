import { clientBackendFactory } from './client-backend';
import { runProcess } from './process';

runProcess(clientBackendFactory);
