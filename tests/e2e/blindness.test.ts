/**
 * The server is blind (docs/architecture.md §1, §6.6): every frame it received during a session
 * of registration, contact exchange, 1:1 and group chat — and its database — is searched
 * for message texts, display names and secrets. None may appear.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/bytes.js';
import { parseContactLink } from '../../src/core/identity/contact-link.js';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const frames: string[] = [];
const stage = useAppStage({ tap: (text) => frames.push(text) });

/** Secrets a page holds: its account's self and contact secrets and every conversation secret. */
async function secretsOf(user: ParleyUser): Promise<string[]> {
  return user.page.evaluate(() => {
    const app = document.querySelector('parley-app') as unknown as {
      client: { account: { selfSecret: string; contactSecret: string }; list(): { id: string }[]; get(id: string): { record: { secret: string } } };
    };
    const c = app.client;
    return [c.account.selfSecret, c.account.contactSecret, ...c.list().map((s) => c.get(s.id).record.secret)];
  });
}

/** Every encoding of a secret that could leak it: base64url, hex, and standard base64. */
function encodings(b64url: string): string[] {
  const bytes = Buffer.from(fromBase64Url(b64url)!);
  return [b64url, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

describe('server blindness', () => {
  it('never receives or stores message text, names or secrets', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alicia Quuxwell');
    const bob = await ParleyUser.create(stage.browser, 'Bartholomew Zynth');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);

    // Contacts and a 1:1 conversation.
    const aliceLink = await alice.myContactLink();
    await bob.addContact(aliceLink);
    await alice.acceptContact('Bartholomew Zynth');
    await alice.waitForPeers(1);
    await alice.send('the falcon lands at midnight');
    await bob.openChatWith('Alicia Quuxwell');
    await bob.waitForMessage('the falcon lands at midnight');
    await bob.send('bring the blue umbrella');
    await alice.waitForMessage('bring the blue umbrella');

    // A group conversation by invite link.
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.log.waitFor();
    await alice.waitForPeers(1);
    await bob.send('group secret: kumquat');
    await alice.waitForMessage('group secret: kumquat');

    const needles = [
      'the falcon lands at midnight',
      'bring the blue umbrella',
      'group secret: kumquat',
      'Alicia Quuxwell',
      'Bartholomew Zynth',
      'Quuxwell',
      'Zynth',
      new URLSearchParams(new URL(invite).hash.slice(1)).get('join')!,
      new URL(aliceLink).hash.slice('#contact='.length),
    ];
    const card = parseContactLink(aliceLink);
    needles.push(Buffer.from(card.linkSecret).toString('base64url'));
    for (const secret of [...(await secretsOf(alice)), ...(await secretsOf(bob))]) needles.push(...encodings(secret));

    expect(frames.length).toBeGreaterThan(20);
    const seen = frames.join('\n');
    // Registration happened: the server saw device public keys, which is all it may see —
    // and finding them shows the search below looks in the right place.
    expect(seen).toContain('"type":"register"');
    const aliceDeviceKey = await alice.page.evaluate(() => (document.querySelector('parley-app') as unknown as { client: { account: { device: { public: string } } } }).client.account.device.public);
    expect(seen).toContain(aliceDeviceKey);

    const dataFiles = await readdir(stage.app.dataDir);
    expect(dataFiles).toContain('parley.db');
    const stored = Buffer.concat(await Promise.all(dataFiles.map((f) => readFile(path.join(stage.app.dataDir, f)))));
    expect((stage.app.server.db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n).toBe(2);

    for (const needle of needles) {
      expect(seen.includes(needle), `signaling frames contain "${needle}"`).toBe(false);
      expect(stored.includes(Buffer.from(needle, 'utf8')), `server data contains "${needle}"`).toBe(false);
    }
    await alice.close();
    await bob.close();
  });
});
