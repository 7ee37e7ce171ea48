/**
 * The signaling socket before it exists (docs/architecture.md §11, "Loaded on first use"):
 * the page's client starts on this slot, and the network part, loaded once the list has
 * shown from storage, puts the socket in. Until then the slot reads as disconnected: topics
 * subscribed are kept and handed over, and sends return false as on a socket that is not
 * connected (every caller sends again on 'connected'). After, each call and event is the
 * socket's.
 */
import { ObservableV2 } from 'lib0/observable';
import type { ClientMessage } from '../core/wire/signaling.js';
import type { Signaling, SignalingEvents, SignalingStatus } from './signaling-port.js';

export class SignalingSlot extends ObservableV2<SignalingEvents> implements Signaling {
  private socket: Signaling | null = null;
  private readonly topics = new Set<string>();

  /** Puts the socket in: the topics kept go to it, and its events become this slot's. */
  fill(socket: Signaling): void {
    if (this.socket) throw new Error('the signaling slot is filled already');
    this.socket = socket;
    for (const topic of this.topics) socket.subscribe(topic);
    this.topics.clear();
    socket.on('message', (topic, data) => this.emit('message', [topic, data]));
    socket.on('status', (status) => this.emit('status', [status]));
    socket.on('relay-address', (addr) => this.emit('relay-address', [addr]));
    socket.on('relay', (from, payload) => this.emit('relay', [from, payload]));
    socket.on('relay-gone', (addr) => this.emit('relay-gone', [addr]));
    socket.on('closed', (code, reason) => this.emit('closed', [code, reason]));
    socket.on('control', (message) => this.emit('control', [message]));
    if (socket.status !== 'disconnected') this.emit('status', [socket.status]);
  }

  get status(): SignalingStatus {
    return this.socket?.status ?? 'disconnected';
  }

  subscribe(topic: string): void {
    if (this.socket) this.socket.subscribe(topic);
    else this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    if (this.socket) this.socket.unsubscribe(topic);
    else this.topics.delete(topic);
  }

  publish(topic: string, data: unknown): boolean {
    return this.socket?.publish(topic, data) ?? false;
  }

  send(message: ClientMessage): boolean {
    return this.socket?.send(message) ?? false;
  }

  reconnectNow(): void {
    this.socket?.reconnectNow();
  }
}
