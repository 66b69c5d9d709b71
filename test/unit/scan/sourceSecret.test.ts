import * as assert from 'node:assert/strict';
import { envNameFor, replaceLiteralWithEnvRead, sourceLiteralAt, toEnvName, withImportOs } from '../../../src/core/scan/sourceSecret';

/** Fake values assembled at run time, so that this file holds nothing a scanner flags. */
const TOKEN = ['sk', '_live_', 'Fk9xQ2mVw7LpZr'].join('');

/** The literal around TOKEN in `text`, as the quick fix finds it from the finding's range. */
function at(text: string, file: string) {
  const start = text.indexOf(TOKEN);
  return sourceLiteralAt(text, file, start, start + TOKEN.length);
}

function move(text: string, file: string, name?: string): string | undefined {
  const literal = at(text, file);
  assert.ok(literal, `a literal in ${JSON.stringify(text)}`);
  return replaceLiteralWithEnvRead(text, literal, name ?? literal.name);
}

describe('scan: moving a secret literal out of JS/TS/Python source', () => {
  it('JS/TS: replaces the literal with process.env.NAME named after what it is assigned to', () => {
    assert.equal(move(`const stripeKey = "${TOKEN}";\n`, 'src/pay.js'), 'const stripeKey = process.env.STRIPE_KEY;\n');
    assert.equal(move(`export const apiKey: string = '${TOKEN}';\n`, 'src/config.ts'), 'export const apiKey: string = process.env.API_KEY;\n');
    assert.equal(move(`const cfg = {\n  clientSecret: \`${TOKEN}\`,\n};\n`, 'web/cfg.tsx'), 'const cfg = {\n  clientSecret: process.env.CLIENT_SECRET,\n};\n');
    assert.equal(move(`this.authToken = "${TOKEN}"; // TODO\n`, 'a.mjs'), 'this.authToken = process.env.AUTH_TOKEN; // TODO\n');
    assert.equal(move(`headers["x-api-key"] = "${TOKEN}";\n`, 'a.cjs'), 'headers["x-api-key"] = process.env.X_API_KEY;\n');
    assert.equal(move(`const k = "${TOKEN}";\n`, 'a.ts', 'PAYMENTS_KEY'), 'const k = process.env.PAYMENTS_KEY;\n');
  });

  it('Python: replaces the literal with os.environ["NAME"] and adds import os where the imports are', () => {
    assert.equal(move(`import json\n\nSTRIPE_KEY = "${TOKEN}"\n`, 'app/settings.py'), `import os\nimport json\n\nSTRIPE_KEY = os.environ["STRIPE_KEY"]\n`);
    assert.equal(move(`import os\napi_key = '${TOKEN}'\n`, 'app.py'), 'import os\napi_key = os.environ["API_KEY"]\n');
    assert.equal(move(`client = Client(token="${TOKEN}")\n`, 'app.py'), 'import os\n\nclient = Client(token=os.environ["TOKEN"])\n');
    assert.equal(move(`CONFIG = {\n    "db_password": "${TOKEN}",\n}\n`, 'app.py'), 'import os\n\nCONFIG = {\n    "db_password": os.environ["DB_PASSWORD"],\n}\n');
  });

  it('Python: import os goes after a shebang, the module docstring and __future__ imports', () => {
    const text = `#!/usr/bin/env python3\n"""The settings.\n\nMore.\n"""\nfrom __future__ import annotations\n\nfrom x import y\n\nKEY = "${TOKEN}"\n`;
    assert.equal(move(text, 'settings.py'), `#!/usr/bin/env python3\n"""The settings.\n\nMore.\n"""\nfrom __future__ import annotations\n\nimport os\nfrom x import y\n\nKEY = os.environ["KEY"]\n`);
    assert.equal(withImportOs('"""Doc."""\n\nX = 1\n'), '"""Doc."""\nimport os\n\nX = 1\n');
    assert.equal(withImportOs('import sys, os\n'), 'import sys, os\n', 'os already imported');
    assert.equal(withImportOs('import os.path\n'), 'import os\nimport os.path\n', 'os.path alone does not bind os');
  });

  it('offers nothing for other languages, template substitutions, f-strings, or a literal that moved', () => {
    assert.equal(at(`KEY="${TOKEN}"\n`, 'run.sh'), undefined);
    assert.equal(at(`const k = \`${TOKEN}\${suffix}\`;\n`, 'a.js'), undefined);
    assert.equal(at(`k = f"${TOKEN}{x}"\n`, 'a.py'), undefined);
    assert.equal(at(`// const k = "${TOKEN}";\n`, 'a.js'), undefined, 'in a comment');
    const text = `const k = "${TOKEN}";\n`;
    const literal = at(text, 'a.js')!;
    assert.equal(replaceLiteralWithEnvRead(`// edited\n${text}`, literal, 'K'), undefined);
  });

  it('derives UPPER_SNAKE names', () => {
    assert.deepEqual(['apiKey', 'api-key', 'APIKey', 'stripe_secret_key', 'x.token', '2fa'].map(toEnvName), ['API_KEY', 'API_KEY', 'API_KEY', 'STRIPE_SECRET_KEY', 'X_TOKEN', '_2FA']);
    assert.equal(envNameFor('login(', 'javascript'), 'SECRET', 'an argument has no name of its own');
    assert.equal(envNameFor('if (x === ', 'javascript'), 'SECRET');
  });
});
