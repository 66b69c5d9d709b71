import * as assert from 'node:assert/strict';
import { Redactor, redactor } from '../../../src/core/redact';

/**
 * Secret-looking values are assembled at run time from harmless parts so that no committed
 * file contains something a secret scanner would report; all of them are fake.
 */
const fakePassword = ['not', 'a', 'real', 'pw', '42'].join('-');
const fakeKeyId = ['AK', 'IA'].join('') + 'FAKEFAKEFAKEFAKE';
const fakeSecretKey = 'fake'.repeat(10);
const fakeToken = 'Fake'.repeat(8);

describe('redact', () => {
  it('masks the password of a URL, keeping the user and host', () => {
    const r = new Redactor();
    assert.equal(r.redact(`connecting to postgres://app:${fakePassword}@127.0.0.1:5432/shop`), 'connecting to postgres://app:****@127.0.0.1:5432/shop');
  });

  it('masks AWS access key ids, secret keys and session tokens', () => {
    const r = new Redactor();
    assert.equal(r.redact(`key ${fakeKeyId} used`), 'key AKIA**** used');
    assert.equal(r.redact(`aws_secret_access_key = ${fakeSecretKey}`), 'aws_secret_access_key = ****');
    assert.equal(r.redact(`{"SecretAccessKey":"${fakeSecretKey}"}`), '{"SecretAccessKey":"****"}');
    assert.equal(r.redact(`aws_session_token=${fakeToken}`), 'aws_session_token=****');
  });

  it('masks password=, "password": and PG_PASSWORD= pairs', () => {
    const r = new Redactor();
    assert.equal(r.redact(`password=${fakePassword}&user=app`), 'password=****&user=app');
    assert.equal(r.redact(`{"password": "${fakePassword}", "user": "app"}`), '{"password": "****", "user": "app"}');
    assert.equal(r.redact(`PG_PASSWORD=${fakePassword} node server.js`), 'PG_PASSWORD=**** node server.js');
    assert.equal(r.redact(`passwd: ${fakePassword}`), 'passwd: ****');
  });

  it('masks values it was told about, wherever they appear', () => {
    const r = new Redactor();
    const value = `${fakePassword}-value`;
    r.add(value);
    assert.equal(r.redact(`rotated to ${value}; echo ${value}`), 'rotated to ****; echo ****');
  });

  it('does not mask values shorter than 4 characters or ordinary text', () => {
    const r = new Redactor();
    r.add('abc');
    r.add(undefined);
    const line = 'deployed shop-dev abc to http://localhost:3000 in 4 s (token count 12)';
    assert.equal(r.redact(line), line);
  });

  it('the shared redactor is a Redactor', () => {
    assert.ok(redactor instanceof Redactor);
    assert.equal(redactor.redact(`postgres://u:${fakePassword}@h/db`), 'postgres://u:****@h/db');
  });
});
