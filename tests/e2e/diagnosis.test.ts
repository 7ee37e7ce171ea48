/**
 * The reports a test prints when it waited in vain (tests/helpers/diagnosis.ts,
 * docs/architecture.md §13). They are read only after a failure, so nothing else would notice
 * them break: the page's report runs the shared mesh description inside the page, a Node
 * peer's runs it in Node, and both must describe the same link.
 */
import { expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { NodePeer, waitUntil } from '../helpers/node-peer.js';
import { diagnosePage } from '../helpers/page-diagnosis.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { diagnosePeer } from '../helpers/peer-diagnosis.js';

const stage = useAppStage();

/** The JSON of one part of a report (`  part: …` on its own line). */
function part(report: string, name: string): unknown {
  const line = report.split('\n').find((l) => l.startsWith(`  ${name}: `));
  return line === undefined ? undefined : JSON.parse(line.slice(name.length + 4));
}

it('a page and a Node peer each report their side of the same link, and the conversation', async () => {
  const alice = await ParleyUser.create(stage.browser, 'Alice');
  await alice.start(stage.app.url);
  const invite = await alice.newConversation();
  const bob = await NodePeer.register({ serverUrl: stage.app.url, name: 'Bob' });
  try {
    await bob.join(invite);
    await alice.waitForPeers(1);
    await waitUntil(() => bob.mesh.linkCount === 1, 'Bob to have his link');
    await alice.send('Hello Bob');
    const [page, node] = [await diagnosePage(alice.page, 'Alice', 'Hello Bob'), await diagnosePeer(bob, 'Bob')];
    expect(page.startsWith('[Alice] ')).toBe(true);
    expect(part(page, 'timeline')).toMatchObject({ holdsText: true });
    type Link = { attempt: string; open: boolean; send: string; frameChain: string };
    const [pageLinks, nodeLinks] = [part(page, 'links') as Link[], part(node, 'links') as Link[]];
    expect(pageLinks).toHaveLength(1);
    expect(nodeLinks).toHaveLength(1);
    expect(pageLinks[0]).toMatchObject({ open: true, send: 'direct', frameChain: 'idle' });
    // One link, one attempt: the id the initiator made is the one the other side holds.
    expect(pageLinks[0]!.attempt).toMatch(/^[A-Za-z0-9_-]{6}$/);
    expect(nodeLinks[0]!.attempt).toBe(pageLinks[0]!.attempt);
    expect((part(node, 'rooms') as Array<{ peerCount: number }>).some((r) => r.peerCount === 1)).toBe(true);
    expect(node).toMatch(/\n {2}log \(newest \d+ lines\):/);
  } finally {
    await bob.destroy();
    await alice.close();
  }
});
