import type { Command } from 'commander';
import { startServer } from '../../http/server/start-server.ts';
import { stopSignal } from '../stop-signal.ts';

/**
 * `govflow serve [--port N] [--host H]`: runs the service until SIGINT or SIGTERM, then shuts
 * down gracefully (requests in flight finish, their commands commit). A second signal exits at once.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('启动服务：接口、定时器、发件箱 start the service: API, timers, outbox (PORT, DATABASE_URL, GOVFLOW_DATA_DIR)')
    .option('--port <n>', '端口 port (default PORT or 3000)')
    .option('--host <host>', '监听地址 address to listen on (default HOST or 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      const port = options.port !== undefined ? Number(options.port) : undefined;
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new Error(`端口无效 invalid port: ${options.port}`);
      const stopped = stopSignal();
      const server = await startServer({ ...(port !== undefined ? { port } : {}), ...(options.host !== undefined ? { hostname: options.host } : {}) });
      process.stdout.write(`govflow 已启动 listening on ${server.url}  (Ctrl-C 停止 to stop)\n`);
      const signal = await stopped;
      const now = (again: NodeJS.Signals) => {
        process.stderr.write(`再次收到 ${again}，立即退出 second ${again}: exiting now\n`);
        process.exit(130);
      };
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      process.stderr.write(`收到 ${signal}，正在停止 ${signal}: stopping\n`);
      try {
        await server.close();
        process.exit(0);
      } catch (error) {
        process.stderr.write(`关闭失败 shutdown failed: ${String(error)}\n`);
        process.exit(1);
      }
    });
}
