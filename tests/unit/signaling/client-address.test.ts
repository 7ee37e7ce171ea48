/**
 * What per-address limits count an address as (`limitKey`, signaling/http/client-address.ts):
 * an IPv6 address by its /64, an IPv4 address written as IPv6 as the IPv4 address; and what
 * the aggregate limits count a key as (`siteKey`): a /64 by its /48, anything else as itself.
 * Pure logic; bad-input.test.ts counts sockets through the real server.
 */
import { describe, expect, it } from 'vitest';
import { limitKey, siteKey } from '../../../signaling/http/client-address.js';

describe('limitKey', () => {
  it('counts every address of one IPv6 /64 as one, however it is written', () => {
    const keys = ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::1', '2001:DB8:0001:0002:ffff::', '2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1:2::1%eth0'].map(limitKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
  });

  it('tells /64s apart', () => {
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(limitKey('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
    expect(limitKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('counts an IPv4 address written as IPv6 as the IPv4 address', () => {
    expect(limitKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limitKey('::ffff:c000:201')).toBe('192.0.2.1');
  });

  it('keeps IPv4 addresses and anything that is not an address as given', () => {
    expect(['192.0.2.1', 'unknown', '', 'not:an:address'].map(limitKey)).toEqual(['192.0.2.1', 'unknown', '', 'not:an:address']);
  });
});

describe('siteKey', () => {
  it('counts every /64 of one IPv6 /48 as one site, and tells /48s apart', () => {
    const sites = ['2001:db8:1:2::1', '2001:db8:1:ffff::1', '2001:DB8:1:0::9'].map((a) => siteKey(limitKey(a)));
    expect(new Set(sites)).toEqual(new Set(['2001:db8:1::/48']));
    expect(siteKey(limitKey('2001:db8:2:2::1'))).toBe('2001:db8:2::/48');
    expect(siteKey(limitKey('2001:db8::1.2.3.4'))).toBe('2001:db8:0::/48');
  });

  it('keeps an IPv4 address, however written, and anything else as its own site', () => {
    expect(['192.0.2.1', '::ffff:192.0.2.1', 'unknown', ''].map((a) => siteKey(limitKey(a)))).toEqual(['192.0.2.1', '192.0.2.1', 'unknown', '']);
  });
});
