/**
 * Branded identifiers. A brand stops a topic being passed where a device id is expected,
 * at zero runtime cost (the automerge `PeerId` pattern).
 */
import { randomBytes, toBase64Url } from './bytes.js';

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A user's device, stable across reloads; the author of events. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** One running instance of the app (a tab); peers connect per session. */
export type SessionId = Brand<string, 'SessionId'>;
/** An event in a conversation log. */
export type EventId = Brand<string, 'EventId'>;
/** Opaque hex id of a conversation, derived from its secret; also its signaling topic. */
export type Topic = Brand<string, 'Topic'>;

const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TOPIC_PATTERN = /^[0-9a-f]{32,64}$/;

/** 96 random bits: collision-free at any realistic scale, short on the wire. */
export const newDeviceId = (): DeviceId => toBase64Url(randomBytes(12)) as DeviceId;
export const newSessionId = (): SessionId => toBase64Url(randomBytes(12)) as SessionId;
/** `<author>.<96 random bits>`: ids are scoped to their author (see events.ts). */
export const newEventId = (author: string): EventId => `${author}.${toBase64Url(randomBytes(12))}` as EventId;

export const isId = (x: unknown): x is string => typeof x === 'string' && ID_PATTERN.test(x);
export const isTopic = (x: unknown): x is Topic => typeof x === 'string' && TOPIC_PATTERN.test(x);
