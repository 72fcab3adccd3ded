import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** Production entry point: validated config, the app, and a bounded graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }

  const app = await buildApp(config);

  // Drains (requests still arriving are served, each response closing its connection), then stops accepting
  // connections, lets in-flight requests finish and closes MongoDB. Database operations are bounded to an eighth
  // of the budget and the drain takes at most a quarter, so this ends well within it; after the delay the
  // process is forced out with exit code 1 so nothing stuck can hold a rollout.
  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error');
    else app.log.info(`${signal} received, shutting down`);
    if (!err) await app.graceful.drain(config.shutdownTimeoutMs / 4);
    await app.close();
  });

  await app.listen({ port: config.port, host: config.host });
}

await main();
