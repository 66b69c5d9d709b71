// In-host half of test/bench/panels.mjs: VS Code loads it as `extensionTestsPath` and calls run().
// Times each panel command from executeCommand to the page saying it is interactive (rendered,
// focusable), for the first open of each kind and for re-opens (closed, opened again). As a
// baseline it also times the platform alone: a bare webview whose one-line script posts a message.
// Writes the figures to the file named by STAGECRAFT_BENCH_RESULTS.
const fs = require('node:fs');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const vscode = require('vscode');

const ROUNDS = Number(process.env.STAGECRAFT_BENCH_ROUNDS || 7);
const pause = ms => new Promise(resolve => setTimeout(resolve, ms));

async function within(promise, what) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${what}: not interactive within 10 s`)), 10_000)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The floor: a webview with nothing but a nonce'd script that says hello. */
async function bareWebview() {
  const nonce = randomBytes(18).toString('base64');
  const started = performance.now();
  const panel = vscode.window.createWebviewPanel('stagecraft.bench.bare', 'bare', vscode.ViewColumn.Active, { enableScripts: true });
  const hello = new Promise(resolve => panel.webview.onDidReceiveMessage(resolve));
  panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'"></head><body><script nonce="${nonce}">acquireVsCodeApi().postMessage('hello')</script></body></html>`;
  await within(hello, 'bare webview');
  const ms = performance.now() - started;
  panel.dispose();
  return ms;
}

async function run() {
  const ext = vscode.extensions.getExtension('stagecraft.stagecraft');
  if (!ext) throw new Error('stagecraft.stagecraft is not loaded');
  const api = ext.isActive ? ext.exports : await ext.activate();
  const stageNode = async name => {
    for (let i = 0; i < 200; i++) {
      const [stack] = await api.tree.getChildren();
      const stages = stack ? await api.tree.getChildren(stack) : [];
      const node = stages.find(n => n.kind === 'stage' && n.stage.name === name);
      if (node) return node;
      await pause(50);
    }
    throw new Error(`stage ${name} never appeared in the tree`);
  };
  const [stack] = await api.tree.getChildren();
  const panels = [
    { kind: 'addStage', command: 'stagecraft.addStage', arg: stack },
    { kind: 'environment', command: 'stagecraft.editEnvironmentVariables', arg: await stageNode('dev') },
    { kind: 'origins', command: 'stagecraft.editOrigins', arg: await stageNode('dev') },
    { kind: 'database', command: 'stagecraft.showDatabaseSecret', arg: await stageNode('test') },
  ];
  const results = { panels: {}, bare: [] };
  for (const panel of panels) {
    const times = [];
    for (let round = 0; round < ROUNDS; round++) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await pause(150);
      const started = performance.now();
      const opened = await vscode.commands.executeCommand(panel.command, panel.arg);
      if (!opened || !opened.interactive) throw new Error(`${panel.command} did not open a panel`);
      await within(opened.interactive, panel.kind);
      times.push(performance.now() - started);
    }
    results.panels[panel.kind] = times;
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (let round = 0; round < ROUNDS; round++) {
    await pause(150);
    results.bare.push(await bareWebview());
  }
  fs.writeFileSync(process.env.STAGECRAFT_BENCH_RESULTS, JSON.stringify(results));
}

module.exports = { run };
