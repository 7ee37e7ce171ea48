/**
 * `parley/webhook`: incoming and outgoing webhooks over a bot (README "Webhooks"), for
 * programs that compose them themselves; `parley webhook --config FILE` runs them as-is.
 */
export { parseWebhookConfig, readWebhookConfig, WebhookConfigError, type WebhookConfig, type IncomingHookConfig, type OutgoingHookConfig } from './config.js';
export { IncomingHooks, payloadText, MAX_BODY, type IncomingOptions } from './incoming.js';
export { OutgoingHook, signBody, SIGNATURE_HEADER, type DeliveryOutcome, type OutgoingOptions } from './outgoing.js';
export { WebhookServer, type WebhookServerOptions } from './webhook-server.js';
export { localOps } from '../bot/control-server.js';
export type { BotOps } from '../bot/control.js';
