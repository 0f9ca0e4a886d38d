// A small SMTP server for the browser tests: it accepts every message (no TLS, no authentication, as the
// service's sender does on a plain smtp:// URL) and keeps it, so a test can read an emailed link. Run
// the service with ACCESS_SMTP_URL=smtp://127.0.0.1:PORT and listen on that PORT here.
import { createServer } from 'node:net';

/** Decodes a quoted-printable text (soft line breaks and =XX escapes); other text is unchanged. */
function unquote(text) {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The message as readable text: its parts decoded (quoted-printable and base64) first, then its raw form,
 * so a pattern finds a link as written (a quoted-printable "token=" is "token=3D" in the raw form).
 */
function readable(raw) {
  const base64 = [...raw.matchAll(/Content-Transfer-Encoding:\s*base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/gi)]
    .map((m) => Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString('utf8'));
  return [unquote(raw), ...base64, raw].join('\n');
}

export async function startSmtp(port) {
  const messages = [];
  const waiters = [];
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let data = null; // the DATA being read, or null between commands
    let to = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 test SMTP ready');
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (;;) {
        if (data !== null) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = (data + buffer.slice(0, end)).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          data = null;
          const message = { to, raw, text: readable(raw) };
          messages.push(message);
          for (const w of waiters.splice(0)) w();
          reply('250 kept');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 test');
        else if (verb === 'MAIL') { to = []; reply('250 ok'); }
        else if (verb === 'RCPT') { to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1')); reply('250 ok'); }
        else if (verb === 'DATA') { data = ''; reply('354 go on'); }
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); return; }
        else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 not here');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    messages,
    /** The first match of pattern in a message to `address`, waiting up to timeoutMs for one. */
    async find(address, pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const m of [...messages].reverse()) {
          const hit = m.to.includes(address) && m.text.match(pattern);
          if (hit) return hit;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no email to ${address} matching ${pattern} within ${timeoutMs} ms (${messages.length} received)`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(timer); resolve(); });
        });
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
