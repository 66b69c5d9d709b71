import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { AwsClientPool, AwsClients } from '../../../src/aws/clients';
import { callerIdentity } from '../../../src/aws/identity';
import { listProfiles } from '../../../src/aws/profiles';
import { StagecraftError } from '../../../src/core/errors';
import { TempDirs } from '../core/support/tempDir';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';

/** Sets environment variables for one test and puts the old values back. */
async function withEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const old: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    old[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function rejection(p: Promise<unknown>): Promise<StagecraftError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StagecraftError, `expected a StagecraftError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function listen(server: Server): Promise<number> {
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('aws clients', function () {
  this.timeout(30_000);
  let moto: Moto;
  const temp = new TempDirs();
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
    temp.cleanup();
  });

  /** An AWS config folder with the given files, used through AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE. */
  function awsHome(config: string, credentials = ''): { home: string; env: Record<string, string> } {
    const home = temp.make('stagecraft-aws-home-');
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(join(home, '.aws', 'config'), config);
    writeFileSync(join(home, '.aws', 'credentials'), credentials);
    return {
      home,
      env: {
        HOME: home,
        AWS_CONFIG_FILE: join(home, '.aws', 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    };
  }

  it('reads the caller identity from STS through the endpoint override', async () => {
    const id = await callerIdentity(moto.clients());
    assert.equal(id.account, '123456789012');
    assert.match(id.arn, /^arn:aws:(iam|sts)::123456789012:/);
    assert.equal(id.region, 'us-east-1');
  });

  it('honours AWS_ENDPOINT_URL when the setting is empty', async () => {
    await withEnv({ AWS_ENDPOINT_URL: moto.endpoint }, async () => {
      const clients = new AwsClients({ region: 'eu-west-1', credentials: TEST_CREDENTIALS });
      assert.equal(clients.endpoint, moto.endpoint);
      assert.equal((await callerIdentity(clients)).account, '123456789012');
      await clients.destroy();
    });
  });

  it('a profile from the config files supplies credentials and region', async () => {
    const keyId = ['AKIA', 'TESTONLY', 'EXAMPLE1'].join('');
    const { env } = awsHome('[profile team]\nregion = eu-central-1\n', `[team]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${'x'.repeat(40)}\n`);
    await withEnv({ ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, async () => {
      const clients = new AwsClients({ profile: 'team', endpoint: moto.endpoint });
      const id = await callerIdentity(clients);
      assert.equal(id.account, '123456789012');
      assert.equal(id.profile, 'team');
      assert.equal(id.region, 'eu-central-1');
      await clients.destroy();
    });
  });

  it('an expired SSO session says to run aws sso login for that profile', async () => {
    const startUrl = 'https://example-org.awsapps.com/start';
    const { home, env } = awsHome(`[profile dev-sso]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n`);
    // The legacy SSO token cache entry, named by the SHA-1 of the start URL, expired an hour ago.
    const cacheFile = join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`);
    writeFileSync(cacheFile, JSON.stringify({ startUrl, region: 'us-east-1', accessToken: 'fake-expired-token', expiresAt: new Date(Date.now() - 3_600_000).toISOString() }));
    await withEnv(env, async () => {
      const clients = new AwsClients({ profile: 'dev-sso', endpoint: moto.endpoint });
      const err = await rejection(callerIdentity(clients));
      assert.match(err.message, /SSO session of profile "dev-sso".*expired/);
      assert.equal(err.hint, 'Run `aws sso login --profile dev-sso`, then try again.');
      await clients.destroy();
    });
  });

  it('a profile that is not configured is named, with where to look', async () => {
    const { env } = awsHome('[profile other]\nregion = us-east-1\n');
    await withEnv(env, async () => {
      const clients = new AwsClients({ profile: 'nosuch', endpoint: moto.endpoint, region: 'us-east-1' });
      const err = await rejection(callerIdentity(clients));
      assert.match(err.message, /profile "nosuch" is missing or incomplete/);
      assert.match(err.hint ?? '', /Select AWS Profile/);
    });
  });

  it('no credentials anywhere: says how to configure them', async () => {
    const { env } = awsHome('');
    await withEnv({ ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined }, async () => {
      const clients = new AwsClients({ endpoint: moto.endpoint, region: 'us-east-1' });
      const err = await rejection(callerIdentity(clients));
      assert.match(err.message, /no AWS credentials were found/);
      assert.match(err.hint ?? '', /aws configure.*aws sso login/);
    });
  });

  it('an unreachable endpoint override is named, with the setting to check', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise(r => server.close(r));
    const clients = new AwsClients({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 2 });
    const err = await rejection(callerIdentity(clients));
    assert.match(err.message, new RegExp(`cannot reach the endpoint override http://127.0.0.1:${port}`));
    assert.match(err.hint ?? '', /stagecraft\.aws\.endpoint/);
    assert.equal(err.kind, 'unavailable');
  });

  it('throttling is retried with backoff a bounded number of times, then reported', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>');
    });
    const port = await listen(server);
    try {
      const clients = new AwsClients({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 3 });
      const err = await rejection(callerIdentity(clients));
      assert.match(err.message, /AWS throttled the request \(3 attempts with backoff\): Rate exceeded/);
      assert.equal(requests, 3);
      await clients.destroy();
    } finally {
      server.close();
    }
  });

  it('a cancelled call ends at once as cancelled, even while the server is silent', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    const port = await listen(server);
    try {
      const clients = new AwsClients({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: TEST_CREDENTIALS });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      const err = await rejection(callerIdentity(clients, controller.signal));
      assert.equal(err.cancelled, true);
      assert.ok(Date.now() - started < 5_000, 'cancellation does not wait for the request timeout');
      const before = await rejection(callerIdentity(clients, AbortSignal.abort()));
      assert.equal(before.cancelled, true);
      await clients.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a region that is not a region is reported as such', async () => {
    const clients = new AwsClients({ region: 'us east 1', credentials: TEST_CREDENTIALS });
    const err = await rejection(callerIdentity(clients));
    assert.match(err.message, /"us east 1" is not an AWS region/);
  });

  it('the pool shares one factory per profile and region', () => {
    const pool = new AwsClientPool(() => ({ endpoint: moto.endpoint, credentials: TEST_CREDENTIALS, region: 'us-east-1' }));
    assert.equal(pool.get({}), pool.get({ region: 'us-east-1' }));
    assert.notEqual(pool.get({}), pool.get({ region: 'eu-west-1' }));
    assert.notEqual(pool.get({}), pool.get({ profile: 'x' }));
  });

  it('lists profiles from config and credentials, default first, without SSO session sections', async () => {
    const { env } = awsHome(
      '[default]\nregion = us-east-1\n[profile team]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x.example/start\nsso_region = us-east-1\n[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = default\n',
      '[default]\naws_access_key_id = fake\naws_secret_access_key = fake\n[ci]\naws_access_key_id = fake\naws_secret_access_key = fake\n',
    );
    await withEnv(env, async () => {
      const profiles = await listProfiles();
      assert.deepEqual(
        profiles.map(p => [p.name, p.kind, p.region ?? '', p.files.join('+')]),
        [
          ['default', 'access-key', 'us-east-1', 'config+credentials'],
          ['ci', 'access-key', '', 'credentials'],
          ['ops', 'assume-role', '', 'config'],
          ['team', 'sso', 'eu-west-1', 'config'],
        ],
      );
    });
  });
});
