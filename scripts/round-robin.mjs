// A round-robin TCP load balancer for trying several instances on one machine (not for production: use nginx,
// HAProxy or your cloud's load balancer). Each new connection goes to the next instance, so a browser's HTTP
// requests and its Web Chat socket usually land on different instances, which is the point of the exercise.
//
//   node scripts/round-robin.mjs 8080 3978 3979        (listen on 8080, forward to 127.0.0.1:3978 and :3979)
//
// An instance that refuses the connection (stopped, restarting) is skipped for that connection.
import { connect, createServer } from 'node:net';

const [listenPort, ...targets] = process.argv.slice(2).map(Number);
if (!listenPort || targets.length === 0 || [listenPort, ...targets].some((port) => !Number.isInteger(port) || port <= 0 || port > 65535)) {
  process.stderr.write('usage: node scripts/round-robin.mjs <listen port> <instance port> [<instance port> …]\n');
  process.exit(2);
}

let next = 0;

function forward(client, tried = 0) {
  const port = targets[next++ % targets.length];
  const upstream = connect({ host: '127.0.0.1', port });
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    client.pipe(upstream).pipe(client);
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.resume();
  });
  upstream.once('error', (err) => {
    if (!connected && tried + 1 < targets.length) return forward(client, tried + 1);
    if (!connected) process.stderr.write(`round-robin: no instance answers (last: :${port}: ${err.message})\n`);
    client.destroy();
  });
}

createServer({ pauseOnConnect: true }, (client) => forward(client)).listen(listenPort, () => {
  process.stdout.write(`round-robin: http://localhost:${listenPort} → ${targets.map((port) => `:${port}`).join(', ')}\n`);
});
