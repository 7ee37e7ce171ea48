/** Telling namesakes apart (core/authorship/names.ts): pure logic over name claims. */
import { describe, expect, it } from 'vitest';
import { foldName, NameLabels, type NameClaim } from '../../../src/core/authorship/names.js';
import type { IdentityId } from '../../../src/core/identity/keys.js';

const id = (s: string) => s as IdentityId;
const claim = (identity: string, name: string, since: number, rank = 2): NameClaim => ({ identity: id(identity), name, since, rank });

describe('foldName', () => {
  it('treats case, spacing, invisible characters and compatibility forms as one name', () => {
    expect(['Alice', ' alice ', 'Al\u200Bice', 'ＡＬＩＣＥ', 'A\u00A0lice'].map(foldName)).toEqual(['alice', 'alice', 'alice', 'alice', 'a lice']);
  });
});

describe('NameLabels', () => {
  it('numbers later claimants of one name and leaves unique names alone', () => {
    const labels = new NameLabels([claim('c', 'alice', 30), claim('a', 'Alice', 10), claim('b', 'ALICE ', 20), claim('d', 'Dave', 5)]);
    expect(['a', 'b', 'c', 'd'].map((i) => labels.label(id(i), i === 'd' ? 'Dave' : i === 'b' ? 'ALICE ' : 'Alice'))).toEqual([
      'Alice',
      'ALICE (2)',
      'Alice (3)',
      'Dave',
    ]);
  });

  it('ranks what the viewer knows before the claimants own times, and an identity counts once per name', () => {
    const labels = new NameLabels([claim('m', 'Alice', 1), claim('a', 'Alice', 50, 1), claim('a', 'Alice', 60, 1)]);
    expect([labels.label(id('a'), 'Alice'), labels.label(id('m'), 'Alice')]).toEqual(['Alice', 'Alice (2)']);
  });
});
