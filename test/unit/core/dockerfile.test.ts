import * as assert from 'node:assert/strict';
import { commandLine, envOf, execForm, exposedPort, parseDockerfile, startCommand } from '../../../src/core/dockerfile';

const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'FROM node:20-slim AS build',
  'WORKDIR /app',
  'COPY package*.json ./',
  'RUN npm ci \\',
  '    # a comment inside a continuation is dropped',
  '    && npm run build',
  '',
  'env NODE_ENV=production PORT=3000 GREETING="hello \\"world\\"" SINGLE=\'a b\'',
  'ENV LEGACY value with spaces',
  'ENV CALLBACK http://x.example.com/?a=b',
  'EXPOSE 3000/tcp 9229',
  'CMD npm start',
  'CMD ["node", "--enable-source-maps", "server.js"]',
  '',
].join('\n');

describe('dockerfile', () => {
  const instructions = parseDockerfile(DOCKERFILE);

  it('reads instructions with their first line, continuations joined, comments skipped', () => {
    assert.deepEqual(
      instructions.map(i => [i.line, i.keyword]),
      [
        [2, 'FROM'],
        [3, 'WORKDIR'],
        [4, 'COPY'],
        [5, 'RUN'],
        [9, 'ENV'],
        [10, 'ENV'],
        [11, 'ENV'],
        [12, 'EXPOSE'],
        [13, 'CMD'],
        [14, 'CMD'],
      ],
    );
    assert.equal(instructions[3].raw, 'npm ci  && npm run build');
    assert.equal(instructions[0].raw, 'node:20-slim AS build');
  });

  it('honours the escape directive', () => {
    const parsed = parseDockerfile('# escape=`\nFROM windows\nRUN dir `\n  c:\\\\\n');
    assert.deepEqual(parsed.map(i => [i.keyword, i.raw]), [
      ['FROM', 'windows'],
      ['RUN', 'dir  c:\\\\'],
    ]);
  });

  it('reads CRLF files', () => {
    assert.deepEqual(parseDockerfile('FROM a\r\nEXPOSE 80\r\n').map(i => [i.line, i.keyword, i.raw]), [
      [1, 'FROM', 'a'],
      [2, 'EXPOSE', '80'],
    ]);
  });

  it('ENV in both forms, quotes and escapes removed, with the line', () => {
    assert.deepEqual(Object.fromEntries(envOf(instructions)), {
      NODE_ENV: { value: 'production', line: 9 },
      PORT: { value: '3000', line: 9 },
      GREETING: { value: 'hello "world"', line: 9 },
      SINGLE: { value: 'a b', line: 9 },
      LEGACY: { value: 'value with spaces', line: 10 },
      CALLBACK: { value: 'http://x.example.com/?a=b', line: 11 },
    });
  });

  it('EXPOSE: the first port, protocol dropped; none without EXPOSE', () => {
    assert.equal(exposedPort(instructions), 3000);
    assert.equal(exposedPort(parseDockerfile('FROM a\n')), undefined);
  });

  it('CMD: the last one wins; exec form becomes one shell line', () => {
    assert.equal(startCommand(instructions), 'node --enable-source-maps server.js');
    assert.equal(startCommand(parseDockerfile('FROM a\nCMD npm start\n')), 'npm start');
    assert.equal(startCommand(parseDockerfile('FROM a\n')), undefined);
  });

  it('exec form versus shell form', () => {
    assert.deepEqual(execForm('["node", "server.js"]'), ['node', 'server.js']);
    assert.equal(execForm('node server.js'), undefined);
    assert.equal(execForm('[not json'), undefined);
    assert.equal(execForm('[1, 2]'), undefined);
    assert.equal(commandLine('["sh", "-c", "echo \'hi\' && run"]'), "sh -c 'echo '\\''hi'\\'' && run'");
    assert.equal(commandLine('[not json'), '[not json');
  });
});
