'use strict';
// Runs in the candidate process (uid 10002): writes the payloads to /tmp (mode 1777, shared).
const fs = require('node:fs');
const path = require('node:path');
const payload = fs.readFileSync(path.join(__dirname, 'payload.txt'), 'utf8');
for (const name of ['cache', 'limiter']) {
  const target = path.join(__dirname, `${name}.js`, 'starter.js');
  const file = `/tmp/rt-evil-${name}.js`;
  try {
    fs.writeFileSync(file + '.part', payload.replace('__TARGET__', JSON.stringify(target)), { mode: 0o644 });
    fs.renameSync(file + '.part', file);
  } catch {}
}
