/**
 * Telling members apart by name (docs/architecture.md §8.5). Names are chosen by their
 * owners, so two identities may show the same one — by accident or to impersonate. Within
 * one conversation every identity that ever went by a name gets a distinct label for it:
 * one keeps the name, the others show "Alice (2)", "Alice (3)". Who keeps it is decided by
 * what the viewer knows first (`rank`: the viewer themself, then a contact they know by that
 * name), and only then by the claimants' own signed times, which a claimant can back-date.
 */
import type { IdentityId } from '../identity/keys.js';

export interface NameClaim {
  readonly identity: IdentityId;
  /** A name the identity's member records carried (now or earlier). */
  readonly name: string;
  /** When this identity first signed a member record with this name (its own claim). */
  readonly since: number;
  /** Lower keeps the name first: 0 the viewer, 1 a contact known by this name, 2 anyone else. */
  readonly rank: number;
}

/**
 * The form two names are compared in: compatibility-normalized, invisible format characters
 * removed, spaces collapsed, case folded — "alice ", "Alice" and "Al\u200Bice" are one name.
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').replace(/\p{Cf}/gu, '').replace(/\s+/gu, ' ').trim().toLocaleLowerCase();
}

/** The labels of one conversation's names, built from every claim at once. */
export class NameLabels {
  /** Per folded name, the claiming identities in label order. */
  private readonly order = new Map<string, IdentityId[]>();

  constructor(claims: Iterable<NameClaim>) {
    const best = new Map<string, Map<IdentityId, NameClaim>>();
    for (const claim of claims) {
      const key = foldName(claim.name);
      let byIdentity = best.get(key);
      if (!byIdentity) best.set(key, (byIdentity = new Map()));
      const known = byIdentity.get(claim.identity);
      if (!known || precedes(claim, known)) byIdentity.set(claim.identity, claim);
    }
    for (const [key, byIdentity] of best) {
      if (byIdentity.size < 2) continue;
      this.order.set(key, [...byIdentity.values()].sort((a, b) => (precedes(a, b) ? -1 : 1)).map((c) => c.identity));
    }
  }

  /** How `identity` is shown under `name`: the name itself, or "name (n)" if another came first. */
  label(identity: IdentityId, name: string): string {
    const order = this.order.get(foldName(name));
    const i = order ? order.indexOf(identity) : -1;
    return i <= 0 ? name : `${name.trim()} (${i + 1})`;
  }
}

function precedes(a: NameClaim, b: NameClaim): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.since !== b.since) return a.since < b.since;
  return a.identity < b.identity;
}
