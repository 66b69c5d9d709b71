'use strict';
// `npm run lint`: a syntax check (`node --check`) of every JavaScript file of the service, plus
// two house rules a syntax check cannot see. Stagecraft's pipeline runs it as the code quality step.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const FOLDERS = ['src', 'scripts', 'test', 'test-support'];

function jsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(d => d.isFile() && /\.(c|m)?js$/.test(d.name))
    .map(d => path.join(d.parentPath ?? d.path, d.name))
    .sort();
}

const problems = [];
const files = FOLDERS.flatMap(f => jsFiles(path.join(root, f)));
for (const file of files) {
  const rel = path.relative(root, file);
  try {
    execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' });
  } catch (err) {
    problems.push(`${rel}: ${String(err.stderr).trim()}`);
    continue;
  }
  const text = fs.readFileSync(file, 'utf8');
  // CommonJS service code runs in strict mode.
  if (rel.startsWith('src') && !text.startsWith("'use strict';")) problems.push(`${rel}:1: start the file with 'use strict';`);
  // `pg` is loaded lazily by src/database.js only, so /health and /info work without node_modules.
  if (rel.startsWith('src') && rel !== path.join('src', 'database.js') && /require\(['"]pg['"]\)/.test(text)) {
    problems.push(`${rel}: require('pg') only in src/database.js (lazily)`);
  }
}

for (const p of problems) process.stderr.write(`${p}\n`);
process.stdout.write(`lint: ${files.length} files checked, ${problems.length} problem(s)\n`);
process.exitCode = problems.length === 0 ? 0 : 1;
