import * as assert from 'node:assert/strict';
import { isLocalhostOrigin, isOriginAllowed, originProblem } from '../../../src/core/origins';

describe('origins', () => {
  it('accepts scheme://host[:port]', () => {
    for (const o of ['https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080', 'https://a-b.example.co.uk:1']) {
      assert.equal(originProblem(o), undefined, o);
    }
  });

  it('refuses paths, other schemes, wildcards and bare hosts', () => {
    const message = (o: string) => `"${o}" is not an origin: expected scheme://host[:port], for example https://app.example.com, with no path`;
    for (const o of ['https://app.example.com/', 'https://app.example.com/api', 'ftp://x', '*', 'app.example.com', 'https://*.example.com', '']) {
      assert.equal(originProblem(o), message(o), o);
    }
  });

  it('refuses ports outside 1 to 65535', () => {
    assert.equal(originProblem('http://x:0'), '"http://x:0" has port 0: expected 1 to 65535');
    assert.equal(originProblem('http://x:65536'), '"http://x:65536" has port 65536: expected 1 to 65535');
    assert.equal(originProblem('http://x:65535'), undefined);
  });

  it('with no origins listed, only pages from this machine are allowed', () => {
    assert.equal(isOriginAllowed('http://localhost:3000', []), true);
    assert.equal(isOriginAllowed('http://127.0.0.1:8080', []), true);
    assert.equal(isOriginAllowed('http://[::1]:8080', []), true);
    assert.equal(isOriginAllowed('http://LOCALHOST:1', []), true);
    assert.equal(isOriginAllowed('https://evil.example.com', []), false);
    assert.equal(isOriginAllowed('http://localhost.evil.example.com', []), false);
    assert.equal(isOriginAllowed('null', []), false);
    assert.equal(isLocalhostOrigin('http://localhost/path'), false, 'an origin has no path');
  });

  it('with origins listed, exactly those (case-insensitively) and not localhost', () => {
    const allowed = ['https://app.example.com', 'http://localhost:5173'];
    assert.equal(isOriginAllowed('https://app.example.com', allowed), true);
    assert.equal(isOriginAllowed('HTTPS://App.Example.com', allowed), true);
    assert.equal(isOriginAllowed('http://localhost:5173', allowed), true);
    assert.equal(isOriginAllowed('http://localhost:3000', allowed), false);
    assert.equal(isOriginAllowed('https://app.example.com:8443', allowed), false);
    assert.equal(isOriginAllowed('http://app.example.com', allowed), false);
  });
});
