import type { Observable } from 'rxjs';
import { PaginatedWebhookDeliveryReadList, WebhookDeliveryRead } from '../models';
import type { PatchedWebhookWriteRequest, WebhookRead } from '../models';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { webhooks } from './descriptors';
import type { ListOptions } from './query';
import { itemUrl, listData, requestDecoded, requestVoid, resourceRequest } from './resource';
import type { ResourceDescriptor } from './resource';

/** Deliveries, pings and redeliveries of one webhook. */
export interface WebhookOperations {
  /**
   * Sends CVAT's `ping` event to the target now and emits the delivery (with the target's status
   * code and answer).
   */
  ping(): Observable<WebhookDeliveryRead>;
  /** The deliveries, most recent first, lazily paged. */
  deliveries(query?: Pick<ListOptions, 'pageSize' | 'prefetch'>): Observable<WebhookDeliveryRead>;
  /** One delivery. */
  delivery(deliveryId: number): Observable<WebhookDeliveryRead>;
  /** Sends a delivery's request again (a new delivery marked `redelivery`). */
  redeliver(deliveryId: number): Observable<void>;
}

/** A webhook snapshot (`WebhookRead`). */
export interface Webhook
  extends
    Readonly<Omit<WebhookRead, 'id'>>,
    Snapshot<WebhookRead>,
    Fetchable<Webhook>,
    Updatable<Webhook, PatchedWebhookWriteRequest>,
    Removable,
    WebhookOperations {}

function deliveriesOf(id: number): ResourceDescriptor<WebhookDeliveryRead, PaginatedWebhookDeliveryReadList> {
  return {
    tag: 'webhooks',
    path: `${itemUrl(webhooks, id)}/deliveries`,
    read: WebhookDeliveryRead,
    page: PaginatedWebhookDeliveryReadList,
    idOf: (d) => d.id,
  };
}

export function webhookOperations(ctx: ClientContext, id: number): WebhookOperations {
  const deliveries = deliveriesOf(id);
  return {
    ping: () =>
      requestDecoded(
        ctx,
        resourceRequest(webhooks, 'POST', `${itemUrl(webhooks, id)}/ping`, 'create_ping'),
        WebhookDeliveryRead,
      ),
    deliveries: (query = {}) => listData(ctx, deliveries, query),
    delivery: (deliveryId) =>
      requestDecoded(
        ctx,
        resourceRequest(webhooks, 'GET', itemUrl(deliveries, deliveryId), 'retrieve_deliveries'),
        WebhookDeliveryRead,
      ),
    redeliver: (deliveryId) =>
      requestVoid(
        ctx,
        resourceRequest(
          webhooks,
          'POST',
          `${itemUrl(deliveries, deliveryId)}/redelivery`,
          'create_deliveries_redelivery',
        ),
      ),
  };
}

export function makeWebhook(ctx: ClientContext, model: WebhookRead): Webhook {
  const { id } = snapshotOf(webhooks, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, webhooks, id, makeWebhook),
    ...webhookOperations(ctx, id),
  });
}
