/**
 * Safety numbers: a fingerprint of both identities that two people compare out of band
 * (Signal's scheme, adapted): each side's 30 digits come from 5,200 rounds of SHA-512 over
 * its public keys; the two halves are sorted so both people see the same 60 digits.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64Url, utf8 } from '../bytes.js';
import type { PublicIdentity } from './keys.js';

const ITERATIONS = 5200;

function half(identity: PublicIdentity): string {
  const sign = fromBase64Url(identity.sign) ?? new Uint8Array();
  const dh = fromBase64Url(identity.dh) ?? new Uint8Array();
  let h = concatBytes(utf8('parley-safety/v1'), sign, dh);
  for (let i = 0; i < ITERATIONS; i++) h = sha512(concatBytes(h, sign));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0;
    for (let b = 0; b < 5; b++) n = n * 256 + h[chunk * 5 + b]!;
    digits += String(n % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * One identity's 30 digits. Every safety number with this identity contains them, so a
 * program without a screen (a bot) can print them for people to compare.
 */
export const safetyNumberHalf = (identity: PublicIdentity): string => half(identity);

/** 60 digits, the same for both people. */
export function safetyNumber(a: PublicIdentity, b: PublicIdentity): string {
  return [half(a), half(b)].sort().join('');
}

/** "12345 67890 …" in 12 groups of five, for reading aloud. */
export const formatSafetyNumber = (digits: string): string => digits.replace(/(\d{5})(?=\d)/g, '$1 ');
