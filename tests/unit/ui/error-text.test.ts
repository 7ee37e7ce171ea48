/** The one module that words error codes: every code has words, nothing raw leaks. */
import { describe, expect, it } from 'vitest';
import { ClientError, ClientErrorCodes } from '../../../src/client/errors.js';
import { InvalidEventError } from '../../../src/core/events.js';
import { CertificateExpiredError } from '../../../src/core/identity/certificate.js';
import { InvalidInviteError, parseInvite } from '../../../src/core/invite.js';
import { errorCode, errorText, UNKNOWN_ERROR_TEXT } from '../../../src/ui/error-text.js';

describe('error text', () => {
  it('words every client error code, with its details', () => {
    for (const code of ClientErrorCodes) {
      const text = errorText(new ClientError(code, { detail: { max: 64, name: 'Bob', what: 'message', action: 'link-device' } }));
      expect(text, code).not.toBe(UNKNOWN_ERROR_TEXT);
      expect(text, code).not.toContain(code);
      expect(text, code).toMatch(/[.?!]$/);
    }
    expect(errorText(new ClientError('contact-blocked', { detail: { name: 'Mallory' } }))).toBe('You blocked Mallory. Unblock them first.');
  });

  it('words core errors by code', () => {
    expect(() => parseInvite('https://example.com/')).toThrow(InvalidInviteError);
    let thrown: unknown;
    try {
      parseInvite('#join=abc');
    } catch (error) {
      thrown = error;
    }
    expect(errorCode(thrown)).toBe('invite-damaged');
    expect(errorText(new InvalidEventError('message-too-long', 'x', { length: 100000, max: 16000 }))).toContain('100,000 characters, at most 16,000');
    expect(errorText(new CertificateExpiredError(1))).toContain('Open Parley on the device where you created your account');
  });

  it('never shows the raw message of an error without a known code', () => {
    expect(errorText(new Error('NotAllowedError: Registration failed - permission denied'))).toBe(UNKNOWN_ERROR_TEXT);
    expect(errorText(Object.assign(new Error('secret detail'), { code: 'made-up' }))).toBe(UNKNOWN_ERROR_TEXT);
    expect(errorText('a string')).toBe(UNKNOWN_ERROR_TEXT);
    expect(errorText(null)).toBe(UNKNOWN_ERROR_TEXT);
  });
});
