// A fresh git repository made from examples/sample-service, as a user's own repository would be.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from './artifacts.mjs';

const SAMPLE = join(REPO_ROOT, 'examples/sample-service');

/**
 * `withStackFile: false` leaves stagecraft.yaml out (the walkthrough creates it). Only the sample's
 * fast config test is kept: the pipeline runs the service's tests on every run.
 */
export function sampleRepo({ withStackFile = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sc-install-'));
  // As root, PostgreSQL runs as the postgres user and must enter the stage folders.
  chmodSync(dir, 0o755);
  cpSync(SAMPLE, dir, {
    recursive: true,
    filter: src => !['node_modules', '.stagecraft'].includes(relative(SAMPLE, src).split(sep)[0]),
  });
  for (const file of readdirSync(join(dir, 'test'))) if (file !== 'config.test.js') rmSync(join(dir, 'test', file));
  if (!withStackFile) rmSync(join(dir, 'stagecraft.yaml'));
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.stagecraft/\n');
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Install Tester');
  git('config', 'user.email', 'install-tester@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'sample service');
  return { dir, git, remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) };
}

/** GET/POST /items on a stage: the route that needs the stage's PostgreSQL. */
export async function checkDatabaseRoute(url, name) {
  const created = await fetch(`${url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  const createdBody = await created.text();
  if (created.status !== 201) throw new Error(`POST ${url}/items answered ${created.status}: ${createdBody}`);
  const listed = await fetch(`${url}/items`);
  const items = await listed.json();
  const info = await (await fetch(`${url}/info`)).json();
  return { created: JSON.parse(createdBody), items, info };
}
