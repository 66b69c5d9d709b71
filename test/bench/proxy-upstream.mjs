// A stand-in service for the proxy benchmark: answers with its name, prints its port, and
// dies at once on SIGTERM as many real apps do (the proxy must have drained it first).
import * as http from 'node:http';

const name = process.argv[2] ?? 'service';
const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
  const answer = () => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(name);
  };
  if (ms > 0) setTimeout(answer, ms);
  else answer();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
