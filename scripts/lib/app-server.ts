/**
 * Builds app/ into static files (`buildApp`, what `npm run app:build` ships) and serves it on a loopback port:
 * the built files through Vite's preview server, or app/ itself through Vite's dev server. The page gets its
 * network from `app-config.json` beside it (the deployment record and the JSON-RPC URL) and reaches the node
 * through the server's `/rpc` proxy, so the browser talks to one origin only.
 */
import type { ServerResponse } from "node:http";
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
  /** Serve these files from `buildApp` instead of app/ through the dev server. */
  staticDir?: string;
}

/** Static files of the app in `outDir` (emptied first), with relative asset paths: any static host serves them. */
export async function buildApp(outDir: string): Promise<void> {
  // This file runs as CommonJS (ts-node); Vite 6's CommonJS entry is deprecated but complete. Quiet its notice.
  process.env.VITE_CJS_IGNORE_WARNING ??= "true";
  const { build } = await import("vite");
  await build({
    configFile: false,
    root: APP_ROOT,
    base: "./",
    logLevel: "warn",
    // ethers is most of the bundle (about 530 kB minified, 180 kB gzipped); one chunk is fine for this page.
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  });
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  process.env.VITE_CJS_IGNORE_WARNING ??= "true";
  const { createServer, preview } = await import("vite");
  const port = options.port ?? (await freePort());
  const config = JSON.stringify({ networks: [{ rpcUrl: "/rpc", deployment: options.record }] });
  const serveConfig = (req: { url?: string }, res: ServerResponse, next: () => void) => {
    if (req.url?.split("?")[0] !== "/app-config.json") return next();
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(config);
  };
  const proxy = { "/rpc": { target: options.rpcUrl, changeOrigin: true, rewrite: () => "/" } };
  if (options.staticDir !== undefined) {
    const server = await preview({
      configFile: false,
      root: APP_ROOT,
      logLevel: "warn",
      build: { outDir: options.staticDir },
      preview: { host: "127.0.0.1", port, strictPort: true, proxy },
      plugins: [{ name: "app-config", configurePreviewServer: (s) => void s.middlewares.use(serveConfig) }],
    });
    return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
  }
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
      proxy,
    },
    // Pre-bundle ethers when the server starts, not when the page first asks (which would reload the page).
    optimizeDeps: { include: ["ethers"] },
    plugins: [
      {
        name: "app-config",
        configureServer(s) {
          s.middlewares.use(serveConfig);
        },
      },
    ],
  });
  await server.listen();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}
