/**
 * A view bound to the app's `ParleyClient`, taken from context: it re-renders when the
 * client says something changed (or a new client is provided), and holds one action whose
 * failure its `alert()` shows. Most screens are one.
 */
import { LitElement } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import { clientContext } from '../context.js';
import { ActionController } from '../controllers/action-controller.js';
import { observeContext } from '../controllers/observable-controller.js';

export abstract class ClientView extends LitElement {
  protected readonly clientRef = observeContext<ParleyClient>(this, clientContext);
  /** The view's user actions: busy while one runs, its failure in `action.alert()`. */
  protected readonly action = new ActionController(this);

  /** The client, once the app provides it. */
  protected get client(): ParleyClient | undefined {
    return this.clientRef.value;
  }
}
