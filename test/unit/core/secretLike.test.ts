import * as assert from 'node:assert/strict';
import { isRandomLooking, secretLikeReason, shannonEntropy } from '../../../src/core/secretLike';

/** Fixtures are assembled at run time from harmless parts so that no scanner flags this file. */
const join = (...parts: string[]) => parts.join('');

describe('core: secret-looking values', () => {
  it('recognises credential shapes by their prefix or frame', () => {
    assert.equal(secretLikeReason('X', join('AKIA', 'FAKEFAKEFAKEFAKE')), 'looks like an AWS access key id');
    assert.equal(secretLikeReason('X', join('gh', 'p_', 'Fake0Token1For2Tests3Only4Abcdefghij')), 'looks like a GitHub token');
    assert.equal(secretLikeReason('X', join('sk', '_live_', 'FakeFakeFakeFake1234')), 'looks like a Stripe key');
    assert.equal(secretLikeReason('X', join('-----BEGIN ', 'RSA PRIVATE KEY-----\nabc')), 'looks like a private key');
    assert.equal(secretLikeReason('DATABASE_URL', join('postgres://app:', 'notreal', '@db:5432/app')), 'looks like a URL with a password in it');
  });

  it('flags a literal value under a secret-sounding name, not under a name that points at one', () => {
    assert.match(secretLikeReason('DB_PASSWORD', 'correct-horse') ?? '', /sounds like a secret/);
    assert.equal(secretLikeReason('PASSWORD_FILE', '/run/secrets/db'), undefined);
    assert.equal(secretLikeReason('TOKEN_TTL', '3600'), undefined);
    assert.equal(secretLikeReason('API_TOKEN', '${API_TOKEN}'), undefined, 'a placeholder');
    assert.equal(secretLikeReason('SECRET', 'changeme'), undefined);
  });

  it('flags long random strings and leaves ordinary values alone', () => {
    assert.equal(secretLikeReason('SESSION', join('q8Zr3vLx', 'T1pWm9Ks', 'E4bNd7Yh')), 'looks like a random key or token');
    for (const [name, value] of [
      ['LOG_LEVEL', 'debug'],
      ['NODE_ENV', 'production'],
      ['PUBLIC_URL', 'https://shop.example.com/path?x=1'],
      ['GREETING', 'Hello there, welcome to the shop'],
      ['REQUEST_ID', '123e4567-e89b-12d3-a456-426614174000'],
      ['POOL', '25'],
      ['FEATURES', 'checkout,search,recommendations'],
    ]) {
      assert.equal(secretLikeReason(name, value), undefined, `${name}=${value}`);
    }
  });

  it('measures entropy', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(!isRandomLooking('abcdefabcdefabcdefabcdefabcdefabcdef'));
    assert.ok(isRandomLooking(join('9f86d081884c7d65', '9a2feaa0c55ad015', 'a3bf4f1b2b0b822c')));
  });
});
