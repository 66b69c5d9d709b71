import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describeNetworkMode, detectNetworkMode, NETNS_VARIABLE } from '../../../src/local/runtime/netns';

/** Which network a stage's app versions get (netns.ts): probed for real on this machine. */
describe('local/runtime network mode', () => {
  const saved = process.env[NETNS_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[NETNS_VARIABLE];
    else process.env[NETNS_VARIABLE] = saved;
  });

  it('STAGECRAFT_NETNS=off keeps the host network, and the log line says why', async () => {
    process.env[NETNS_VARIABLE] = 'off';
    const mode = await detectNetworkMode();
    assert.equal(mode.kind, 'host');
    assert.match(describeNetworkMode(mode), /network isolation: off \(STAGECRAFT_NETNS=off\); apps share the host's network/);
  });

  it('on Linux where unshare works, one namespace per version, probed with the very command it will run', async function () {
    delete process.env[NETNS_VARIABLE];
    const asRoot = process.getuid?.() === 0;
    const works = process.platform === 'linux' && spawnSync('unshare', [...(asRoot ? [] : ['--user', '--map-root-user']), '--net', 'true']).status === 0;
    const mode = await detectNetworkMode();
    if (!works) {
      assert.equal(mode.kind, 'host');
      return;
    }
    assert.equal(mode.kind, 'namespace');
    if (mode.kind !== 'namespace') return;
    assert.deepEqual(mode.unshare.slice(1), asRoot ? ['--net'] : ['--user', '--map-root-user', '--net']);
    assert.match(mode.bridge, /netns-bridge\.js$/);
    assert.match(describeNetworkMode(mode), /one network namespace per app version/);
  });
});
