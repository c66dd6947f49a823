/**
 * Serves app/ with Vite's dev server on a loopback port. The page gets its network from `/app-config.json`
 * (the deployment record and the JSON-RPC URL) and reaches the node through the server's `/rpc` proxy, so the
 * browser talks to one origin only.
 */
import { join } from "node:path";
import type { DeploymentRecord } from "../../src/sdk/deployment";
import { freePort, REPO_ROOT } from "./hardhat-node";

export const APP_ROOT = join(REPO_ROOT, "app");

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

export interface AppServerOptions {
  /** The node the page reads from and sends to (proxied at /rpc). */
  rpcUrl: string;
  /** The deployment on that node (deployments/localhost.json as the deploy scripts write it). */
  record: DeploymentRecord;
  port?: number;
  /** Reload the page when app/ changes (on for `npm run app`, off in tests). */
  watch?: boolean;
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  // This file runs as CommonJS (ts-node); Vite 6's CommonJS entry is deprecated but complete. Quiet its notice.
  process.env.VITE_CJS_IGNORE_WARNING ??= "true";
  const { createServer } = await import("vite");
  const port = options.port ?? (await freePort());
  const config = JSON.stringify({ networks: [{ rpcUrl: "/rpc", deployment: options.record }] });
  const server = await createServer({
    configFile: false,
    root: APP_ROOT,
    cacheDir: join(REPO_ROOT, "node_modules", ".vite-app"),
    logLevel: "warn",
    clearScreen: false,
    server: {
      host: "127.0.0.1",
      port,
      strictPort: true,
      fs: { allow: [REPO_ROOT] },
      watch: options.watch ? {} : null,
      hmr: options.watch ?? false,
      proxy: { "/rpc": { target: options.rpcUrl, changeOrigin: true, rewrite: () => "/" } },
    },
    // Pre-bundle ethers when the server starts, not when the page first asks (which would reload the page).
    optimizeDeps: { include: ["ethers"] },
    plugins: [
      {
        name: "app-config",
        configureServer(s) {
          s.middlewares.use("/app-config.json", (_req, res) => {
            res.setHeader("content-type", "application/json");
            res.setHeader("cache-control", "no-store");
            res.end(config);
          });
        },
      },
    ],
  });
  await server.listen();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}
