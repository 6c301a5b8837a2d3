// The two receivers of the n8n proof: a real SMTP server (smtp-server, every message parsed with
// mailparser and kept) and a webhook receiver (every POST kept with its path and parsed body). Both
// listen on 127.0.0.1 on a free port. Nothing is simulated: n8n's Send Email node speaks SMTP to
// the first, its HTTP Request node posts to the second.
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const requireFromRoot = createRequire(join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'package.json'));

/**
 * Starts an SMTP server that accepts every recipient except those in `bounce` (answered 550, as a
 * mailbox that does not exist). `messages` holds what was accepted; `refused` every refused RCPT.
 */
export async function startSmtpServer({ bounce = [] } = {}) {
  const { SMTPServer } = requireFromRoot('smtp-server');
  const { simpleParser } = requireFromRoot('mailparser');
  const messages = [];
  const refused = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (bounce.includes(address.address.toLowerCase())) {
        refused.push({ at: Date.now(), address: address.address });
        const error = new Error(`5.1.1 <${address.address}>: mailbox unavailable`);
        error.responseCode = 550;
        return callback(error);
      }
      return callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            at: Date.now(),
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: mail.from?.text ?? '',
            to: mail.to?.text ?? '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  return {
    port: server.server.address().port,
    messages,
    refused,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Starts an HTTP server that answers every POST `ok` (as Slack does) and keeps it. */
export async function startWebhookReceiver() {
  const posts = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      posts.push({
        at: Date.now(),
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'] ?? '',
        authorization: req.headers.authorization ?? null,
        raw,
        body,
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    posts,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/**
 * Problems of a chat message for a Slack or Microsoft Teams incoming webhook: Slack needs a
 * non-empty `text` string; Teams' legacy MessageCard needs `@type` MessageCard, a `summary` or
 * `text`. Empty list: valid for both.
 */
export function chatMessageProblems(body) {
  const problems = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['not a JSON object'];
  if (typeof body.text !== 'string' || body.text.trim() === '') problems.push('Slack: text must be a non-empty string');
  if (body['@type'] !== 'MessageCard') problems.push('Teams: @type must be MessageCard');
  if (typeof body.summary !== 'string' || body.summary.trim() === '') problems.push('Teams: summary must be a non-empty string');
  if (body.themeColor !== undefined && !/^[0-9A-Fa-f]{6}$/.test(body.themeColor)) problems.push('Teams: themeColor must be 6 hex digits');
  return problems;
}
