// Preloaded into the server by `npm run bench` for the memory measurement only (node --expose-gc --import …):
// on SIGUSR2, run a full garbage collection and report the process's memory on stderr. The server itself has no
// debug endpoint and no benchmark code.
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  process.stderr.write(`bench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
