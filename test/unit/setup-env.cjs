// Loaded by .mocharc.json for test files run directly with `npx mocha` (test/run-tests.mjs sets the
// same itself): tests never let the AWS SDK probe the instance metadata address beyond this machine.
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
// Stagecraft's state folder for the tests: a fresh folder, never the machine's own. Open to other
// users, as root runs PostgreSQL as the postgres user who must pass through it.
if (!process.env.STAGECRAFT_HOME) {
  const { mkdtempSync, chmodSync } = require('node:fs');
  const { join } = require('node:path');
  const { tmpdir } = require('node:os');
  const home = mkdtempSync(join(tmpdir(), 'sc-state-'));
  process.env.STAGECRAFT_HOME = home;
  chmodSync(home, 0o711);
  // Removed with the test process; read-only artifact trees need write permission back first.
  process.on('exit', () => {
    require('node:child_process').spawnSync('chmod', ['-R', 'u+w', home]);
    require('node:fs').rmSync(home, { recursive: true, force: true });
  });
}
// Tests never touch the machine's credential store: secrets go to the 0600 file in the state folder.
process.env.STAGECRAFT_KEYRING ??= 'off';
