import * as assert from 'node:assert/strict';
import { scanText } from '../../../src/core/scan';
import { envFileValues, isSecretVariableName, stackFileEnvValues } from '../../../src/core/scan/rules/envSecrets';
import { isPlaceholder } from '../../../src/core/scan/rules/placeholders';
import { FAKE, removeTempDirs, tempDir } from './helpers';

const DB = '@stagecraft/secretlint-rule-database-credentials';
const ENV = '@stagecraft/secretlint-rule-env-secrets';
const pw = FAKE.dbPassword();

describe('scan rules', () => {
  let root: string;
  before(() => (root = tempDir()));
  after(removeTempDirs);

  /** The text each finding of `rule` covers. */
  async function found(text: string, file = 'config.ts', rule?: string): Promise<string[]> {
    const findings = await scanText(root, file, text);
    return findings.filter(f => !rule || f.ruleId === rule).map(f => text.slice(f.start, f.end));
  }

  describe('database credentials', () => {
    const cases: Array<[string, string]> = [
      ['PostgreSQL URL', `const u = "postgres://app:${pw}@db.internal:5432/shop";`],
      ['postgresql:// with a query', `DATABASE_URL=postgresql://app:${pw}@db/shop?sslmode=require`],
      ['MySQL URL', `url: mysql://reporting:${pw}@10.0.0.1:3306/r`],
      ['MongoDB SRV', `uri = 'mongodb+srv://svc:${pw}@cluster0.example.net/orders'`],
      ['Redis with an empty user', `REDIS=redis://:${pw}@cache:6379/0`],
      ['AMQP', `amqps://guest2:${pw}@mq.internal/vhost`],
      ['JDBC password parameter', `jdbc:postgresql://db:5432/shop?user=app&password=${pw}&ssl=true`],
      ['JDBC SQL Server', `jdbc:sqlserver://sql:1433;databaseName=shop;user=sa;password=${pw};encrypt=true`],
      ['JDBC MySQL URL user-info', `jdbc:mysql://app:${pw}@db:3306/shop`],
      ['Oracle thin', `jdbc:oracle:thin:scott/${pw}@ora:1521:ORCL`],
      ['ADO.NET', `"Server=tcp:sql,1433;Initial Catalog=shop;User Id=app;Password=${pw};Encrypt=True;"`],
      ['ODBC Pwd', `Driver={ODBC Driver 18};Server=sql;Database=shop;Uid=app;Pwd=${pw};`],
    ];
    for (const [name, text] of cases) {
      it(`reports exactly the password: ${name}`, async () => {
        assert.deepEqual(await found(text, 'config.ts', DB), [pw]);
      });
    }

    const quiet: Array<[string, string]> = [
      ['an environment reference', 'postgres://app:${DB_PASSWORD}@db/shop'],
      ['a shell variable', 'postgres://app:$PGPASSWORD@db/shop'],
      ['a documentation placeholder', 'postgres://user:password@localhost/mydb'],
      ['an angle-bracket placeholder', 'mysql://root:<password>@db/app'],
      ['a mask', 'postgres://app:****@db/shop'],
      ['no credentials', 'postgres://db.internal:5432/shop'],
      ['a user without a password', 'postgres://shop@127.0.0.1:5432/shop'],
      ['a templated JDBC password', 'jdbc:postgresql://db/shop?user=app&password={{ pw }}'],
      ['password= outside a connection string', `if (password=${pw}) {}`],
      ['a web URL with user-info', `see http://user:${pw}@example.org/ (another rule's business)`],
    ];
    for (const [name, text] of quiet) {
      it(`stays quiet on ${name}`, async () => {
        assert.deepEqual(await found(text, 'config.ts', DB), []);
      });
    }

  });

  describe('secret-named variables', () => {
    it('reports literal values in .env files, without quotes and inline comments', async () => {
      const text = [`DB_PASSWORD=${pw}`, `export API_TOKEN="${pw}x"`, `STRIPE_SECRET_KEY='${pw}y' # live`, 'PORT=8080'].join('\n');
      assert.deepEqual(await found(text, '.env', ENV), [pw, `${pw}x`, `${pw}y`]);
      assert.deepEqual(await found(text, 'config/.env.production', ENV), [pw, `${pw}x`, `${pw}y`]);
      assert.deepEqual(await found(text, 'notes.txt', ENV), [], 'only env files');
    });

    it('leaves references, placeholders, names that only point at a secret, and short values alone', async () => {
      const text = ['DB_PASSWORD=', 'API_TOKEN=${API_TOKEN}', 'JWT_SECRET=changeme', 'TOKEN_URL=https://auth/x', 'SECRET_ARN=arn:aws:secretsmanager:x', 'PASSWORD_MIN_LENGTH=12', 'SESSION_SECRET=<fill-me>', 'API_KEY=abc'].join('\n');
      assert.deepEqual(await found(text, '.env', ENV), []);
    });

    it('reports literal values under stages[*].env of stagecraft.yaml with their stage', async () => {
      const text = `stack: shop\nstages:\n  - name: dev\n    env:\n      LOG_LEVEL: debug\n      API_TOKEN: "${pw}"\n      DB_PASSWORD: { secret: DB_PASSWORD }\n  - name: prod\n    env:\n      SESSION_SECRET: ${pw}z\n`;
      assert.deepEqual(await found(text, 'stagecraft.yaml', ENV), [pw, `${pw}z`]);
      assert.deepEqual(
        stackFileEnvValues(text).map(v => [v.stage, v.name]),
        [
          ['dev', 'API_TOKEN'],
          ['prod', 'SESSION_SECRET'],
        ],
      );
      assert.deepEqual(await found(text, 'other.yaml', ENV), [], 'only stagecraft.yaml');
    });

    it('knows which names hold secrets', () => {
      for (const name of ['DB_PASSWORD', 'api_key', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'SIGNING_KEY', 'AWS_SECRET_ACCESS_KEY']) assert.ok(isSecretVariableName(name), name);
      for (const name of ['TOKEN_URL', 'SECRET_ARN', 'AWS_ACCESS_KEY_ID', 'PASSWORD_MIN_LENGTH', 'LOG_LEVEL', 'DB_USER']) assert.ok(!isSecretVariableName(name), name);
    });

    it('parses .env spans the editor can replace', () => {
      const text = `A=1\nDB_PASSWORD = "${pw}"\n`;
      const [v] = envFileValues(text);
      assert.equal(text.slice(v.start, v.end), pw);
    });
  });

  it('recognises placeholders', () => {
    for (const v of ['${X}', '{{x}}', '<password>', '****', 'xxxxxxxx', '$PASSWORD', '%(pw)s', 'changeme', 'your_password', 'REPLACE_ME_xxx']) assert.ok(isPlaceholder(v), v);
    for (const v of [pw, 'correct-horse-battery', 'S3cr3t!value']) assert.ok(!isPlaceholder(v), v);
  });
});
