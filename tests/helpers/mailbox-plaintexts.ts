/**
 * What an epoch's mailbox holds, read on the server with that epoch's token and key as any
 * of its readers could (a removed member or a revoked device replaying what it kept): every
 * entry opened (docs/protocol.md §5) and decoded as text, so a test can look for a message.
 */
import type { ConversationKeys } from '../../src/core/keys.js';
import { utf8 } from '../../src/core/bytes.js';
import { open } from '../../src/core/sealed.js';
import { mailboxIdOf } from '../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../src/net/mailbox-client.js';

export async function mailboxPlaintexts(serverUrl: string, keys: Pick<ConversationKeys, 'mailboxToken' | 'mailboxKey'>): Promise<string[]> {
  const id = mailboxIdOf(keys.mailboxToken);
  if (!id) throw new Error('not a mailbox token');
  const aad = utf8(`parley-mailbox/v2\n${id}`);
  const listed = await new MailboxClient(serverUrl).list(id, keys.mailboxToken, 0);
  return Promise.all(listed.entries.map(async (e) => new TextDecoder().decode(await open(keys.mailboxKey, e.data, aad))));
}
