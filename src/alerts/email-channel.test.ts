import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChannelError } from './alert-channel.js';
import { EmailChannel, type EmailChannelOptions } from './email-channel.js';
import {
  sampleNotification,
  smtpTestCertificates,
  startSmtpTestServer,
  type SmtpTestServer,
} from '../../test/helpers/alert-receivers.js';

/**
 * Unfolds long header lines (RFC 5322 §2.2.3) and decodes quoted-printable soft breaks and escapes, enough to
 * search the message text.
 */
function unfold(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

describe('EmailChannel over SMTP with STARTTLS (smtp-server on loopback)', () => {
  let withTls: SmtpTestServer;
  let withoutTls: SmtpTestServer;

  before(async () => {
    withTls = await startSmtpTestServer({ starttls: true });
    withoutTls = await startSmtpTestServer({ starttls: false });
  });
  after(async () => {
    await withTls.close();
    await withoutTls.close();
  });

  const channel = (server: SmtpTestServer, overrides: Partial<EmailChannelOptions> = {}) =>
    new EmailChannel({
      name: 'ops-mail',
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      from: 'certfleet@example.com',
      to: ['ops@example.com', 'pki@example.com'],
      ca: server.caPem,
      timeoutMs: 5000,
      ...overrides,
    });

  test('delivers the notice after STARTTLS, with its subject, plain-text and HTML bodies', async () => {
    await channel(withTls).send(sampleNotification());
    assert.equal(withTls.mails.length, 1);
    const mail = withTls.mails[0];
    assert.ok(mail);
    assert.equal(mail.secure, true, 'the session was upgraded to TLS before the message');
    assert.equal(mail.from, 'certfleet@example.com');
    assert.deepEqual(mail.to, ['ops@example.com', 'pki@example.com']);
    const raw = unfold(mail.raw);
    assert.match(
      raw,
      /^Subject: \[certfleet WARNING\] mqtt\.example\.com:8883: certificate expires in less than 7 days$/m,
    );
    assert.match(raw, /Content-Type: text\/plain/);
    assert.match(raw, /Content-Type: text\/html/);
    assert.match(raw, /Rule: +expiry \(expiry\)/);
    assert.match(raw, /<th align="left">Level<\/th><td>7d<\/td>/);
  });

  test('a server that does not offer STARTTLS is refused (requireTLS): nothing is sent in clear', async () => {
    await assert.rejects(channel(withoutTls).send(sampleNotification()), (error: unknown) => {
      assert.ok(error instanceof ChannelError);
      assert.equal(error.retryable, false);
      assert.equal(error.code, 'UNTRUSTED');
      assert.match(error.message, /STARTTLS/);
      return true;
    });
    assert.equal(withoutTls.mails.length, 0);
  });

  test('a server certificate from a CA not trusted is refused, not retried', async () => {
    const before = withTls.mails.length;
    const stranger = smtpTestCertificates().caPem;
    await assert.rejects(channel(withTls, { ca: stranger }).send(sampleNotification()), (error: unknown) => {
      assert.ok(error instanceof ChannelError);
      assert.equal(error.retryable, false);
      assert.equal(error.code, 'UNTRUSTED');
      assert.match(error.message, /certificate is not trusted/);
      return true;
    });
    assert.equal(withTls.mails.length, before);
  });

  test('a server that is down is a retryable failure', async () => {
    const gone = await startSmtpTestServer({ starttls: true });
    await gone.close();
    await assert.rejects(channel(gone).send(sampleNotification()), (error: unknown) => {
      assert.ok(error instanceof ChannelError);
      assert.equal(error.retryable, true);
      return true;
    });
  });
});
