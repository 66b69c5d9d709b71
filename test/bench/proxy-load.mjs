// The load generator of test/bench/proxy.mjs, run as a second process.
//   node proxy-load.mjs load <url> <count> <concurrency>   steady load; progress over IPC; result JSON on stdout
//   node proxy-load.mjs latency <directUrl> <proxyUrl> <count>  sequential requests, alternating, per-request latency
import * as http from 'node:http';

const [mode, ...args] = process.argv.slice(2);

function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', c => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function load(url, count, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let done = 0;
  let failed = 0;
  const errors = [];
  const byVersion = {};
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const r = await get(`${url}?i=${i}&ms=${i % 4}`, agent);
        if (r.status === 200) byVersion[r.body] = (byVersion[r.body] ?? 0) + 1;
        else {
          failed++;
          if (errors.length < 10) errors.push(`${r.status} ${r.body.trim()}`);
        }
      } catch (err) {
        failed++;
        if (errors.length < 10) errors.push(err.message);
      }
      done++;
      if (done % 50 === 0) process.send?.({ done });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { requests: count, failed, errors, byVersion, seconds: (performance.now() - started) / 1000 };
}

async function latency(directUrl, proxyUrl, count) {
  const agents = { direct: new http.Agent({ keepAlive: true, maxSockets: 1 }), proxy: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const samples = { direct: [], proxy: [] };
  const once = async (which, url) => {
    const t = performance.now();
    const r = await get(url, agents[which]);
    if (r.status !== 200) throw new Error(`${which}: status ${r.status}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 300; i++) {
    await once('direct', directUrl);
    await once('proxy', proxyUrl);
  }
  for (let i = 0; i < count; i++) {
    // Alternate so both see the same machine load.
    samples.direct.push(await once('direct', directUrl));
    samples.proxy.push(await once('proxy', proxyUrl));
  }
  const pct = (list, p) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))];
  agents.direct.destroy();
  agents.proxy.destroy();
  return {
    count,
    direct: { p50: pct(samples.direct, 50), p95: pct(samples.direct, 95) },
    proxy: { p50: pct(samples.proxy, 50), p95: pct(samples.proxy, 95) },
    overheadPerRequest: samples.proxy.map((p, i) => p - samples.direct[i]),
  };
}

const result = mode === 'load' ? await load(args[0], Number(args[1]), Number(args[2])) : await latency(args[0], args[1], Number(args[2]));
if (result.overheadPerRequest) {
  const o = [...result.overheadPerRequest].sort((a, b) => a - b);
  result.overhead = { p50: o[Math.floor(o.length / 2)], p95: o[Math.floor(o.length * 0.95)] };
  delete result.overheadPerRequest;
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
