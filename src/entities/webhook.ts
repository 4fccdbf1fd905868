import type { PatchedWebhookWriteRequest, WebhookRead } from '../models';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { webhooks } from './descriptors';

/** A webhook snapshot (`WebhookRead`). */
export interface Webhook
  extends
    Readonly<Omit<WebhookRead, 'id'>>,
    Snapshot<WebhookRead>,
    Fetchable<Webhook>,
    Updatable<Webhook, PatchedWebhookWriteRequest>,
    Removable {}

export function makeWebhook(ctx: ClientContext, model: WebhookRead): Webhook {
  const { id } = snapshotOf(webhooks, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({ ...fields, id, model, ...modelOperations(ctx, webhooks, id, makeWebhook) });
}
