// Installed beside Stagecraft (copied into the extensions folder) by test/bench/activation.mjs, in a
// normal window, not a test run, so the window restores the Stagecraft view as a user left it.
// Measures in the real extension host the time from the start of Stagecraft's activate()
// (api.activatedAt) until its Stacks tree has produced its first items (api.firstTreeItems), and
// appends one JSON line to the file named by STAGECRAFT_IT_RESULTS.
const { appendFileSync } = require('node:fs');
const vscode = require('vscode');

const TIMEOUT_MS = 20_000;

async function activate() {
  const file = process.env.STAGECRAFT_IT_RESULTS;
  const write = line => (file ? appendFileSync(file, JSON.stringify(line) + '\n') : console.log(JSON.stringify(line)));
  try {
    const stagecraft = vscode.extensions.getExtension('stagecraft.stagecraft');
    if (!stagecraft) return write({ error: 'stagecraft.stagecraft is not loaded' });
    // Activating it here (this probe starts first, on "*") changes nothing measured: the clock starts inside activate().
    const api = await stagecraft.activate();
    const attachedAt = Date.now();
    // Where the time goes: when VS Code asked the tree for its root items (if it had not yet).
    let askedAt;
    const getChildren = api.tree.getChildren;
    api.tree.getChildren = function (node) {
      if (!node) askedAt ??= Date.now();
      return getChildren.call(this, node);
    };
    let resolvedAt;
    let items;
    const shown = api.firstTreeItems.then(count => {
      resolvedAt ??= Date.now();
      items = count;
    });
    await new Promise(resolve => setImmediate(resolve)); // an already-resolved promise calls back by now
    const exact = resolvedAt === undefined || resolvedAt > attachedAt + 1;
    let timer;
    const timedOut = await Promise.race([shown.then(() => false), new Promise(resolve => (timer = setTimeout(() => resolve(true), TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (timedOut) return write({ error: `the Stacks tree asked for no items within ${TIMEOUT_MS / 1000} s: was its view visible at startup?` });
    // The extension records both moments itself, so they are exact even when the probe attached late.
    const timing = api.firstTreeItemsTiming ?? {};
    if (timing.readyAt !== undefined) {
      resolvedAt = timing.readyAt;
      askedAt = timing.requestedAt;
    }
    write({ ms: resolvedAt - api.activatedAt, exact: exact || timing.readyAt !== undefined, items, attachedAfterMs: attachedAt - api.activatedAt, askedAfterMs: askedAt === undefined ? undefined : askedAt - api.activatedAt });
  } catch (err) {
    write({ error: String(err && err.stack || err) });
  }
}

module.exports = { activate, deactivate() {} };
