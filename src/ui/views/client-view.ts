/**
 * Base of the views that act on the client: the client from @lit/context, re-rendering when
 * it changes, and `run()` for user actions — busy while running, a failure shown as the
 * view's error, never thrown into the event loop.
 */
import { ContextConsumer } from '@lit/context';
import { LitElement, type PropertyDeclarations } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import { clientContext } from '../context.js';
import { ClientController } from '../controllers/client-controller.js';

export class ClientView extends LitElement {
  // Typed loosely so subclasses declare their own properties; Lit merges the two.
  static override properties: PropertyDeclarations = { error: { state: true }, busy: { state: true } };
  /** The last action's failure, shown by the view (role="alert"). */
  declare error: string;
  /** An action is running; buttons that start one are disabled. */
  declare busy: boolean;
  private readonly clientCtx = new ContextConsumer(this, { context: clientContext, subscribe: true });

  constructor() {
    super();
    this.error = '';
    this.busy = false;
    new ClientController(this, () => this.client);
  }

  protected get client(): ParleyClient | undefined {
    return this.clientCtx.value;
  }

  /** Resolves true when the action succeeded. */
  protected async run(action: (client: ParleyClient) => Promise<unknown>): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    this.busy = true;
    this.error = '';
    try {
      await action(client);
      return true;
    } catch (error) {
      this.error = (error as Error).message;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
