/**
 * The invite desk (invite-desk.ts) as the client holds it: its code loads when the account
 * starts it, after the conversations have opened, not with the app (docs/architecture.md
 * §11, "Loaded on first use"). Nothing is lost meanwhile: the desk reads which invites to
 * answer when it starts, and joiners repeat their requests until one is answered (§4.5).
 */
import { errorField } from '../core/logger.js';
import type { InviteDesk, InviteDeskParts } from './invite-desk.js';

export class LateInviteDesk {
  private desk: InviteDesk | null = null;
  private loading: Promise<void> | null = null;
  private started = false;
  private destroyed = false;

  constructor(private readonly parts: InviteDeskParts) {}

  start(): void {
    this.started = true;
    this.loading ??= import('./invite-desk.js').then(
      ({ InviteDesk }) => {
        if (this.destroyed) return;
        this.desk = new InviteDesk(this.parts);
        this.desk.start();
      },
      (error: unknown) => {
        // Tried again at the next change of invites or members (`refresh`).
        this.loading = null;
        this.parts.logger.error('the invite desk could not load', { error: errorField(error) });
      },
    );
  }

  /** Re-reads which invites to listen for; before the desk has loaded, its start does. */
  refresh(): void {
    if (this.desk) this.desk.refresh();
    else if (this.started && !this.destroyed) this.start();
  }

  destroy(): void {
    this.destroyed = true;
    this.desk?.destroy();
  }
}
