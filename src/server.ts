import Fastify from 'fastify';
import helpdeskApp, { serverOptions } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** Process entry: read config, listen, reload content on SIGHUP, and shut down gracefully on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = Fastify(serverOptions(config));
  await app.register(helpdeskApp, { config });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Runbooks and messages edited on disk: checked like `npm run content:check`, swapped in only when they pass.
  process.on('SIGHUP', () => {
    if (!closing) app.conversation.reloadContent('SIGHUP');
  });

  await app.listen({ host: config.host, port: config.port });
  app.log.info({ publicUrl: config.publicUrl, dataDir: config.dataDir }, 'helpdesk bot ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`Fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
