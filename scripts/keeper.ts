/**
 * Keeper bot command line (docs/KEEPER.md):
 *
 *   ts-node --transpile-only scripts/keeper.ts [--config keeper.json] [--deployment deployments/<network>.json]
 *                                              [--dry-run] [--<setting> <value> …]
 *
 * `--deployment` (or KEEPER_DEPLOYMENT) takes the factory, start block and chain from a deployment record written
 * by the deploy scripts; the config file, environment and flags override them.
 * Settings come from the JSON file (`--config` or KEEPER_CONFIG), KEEPER_* environment variables and flags, in
 * increasing precedence; they are validated before anything starts. Logs are JSON lines on stdout; SIGINT and
 * SIGTERM stop the bot cleanly. Exit codes: 0 stopped, 1 failed to start, 2 invalid configuration.
 */
import { readFileSync } from "node:fs";
import { KeeperBot } from "../src/keeper/bot";
import { ENV_KEYS, parseCliArgs, resolveConfig } from "../src/keeper/config";
import { keeperSettingsFromDeployment } from "../src/keeper/deployment";
import { readRecord } from "../src/deploy/record";
import { createLogger } from "../src/keeper/log";

const USAGE = `usage: ts-node --transpile-only scripts/keeper.ts [--config <file.json>] [--deployment <deployments/net.json>]
                                             [--dry-run] [--<setting> <value>]

Required: KEEPER_RPC_URL, KEEPER_FACTORY, and KEEPER_PRIVATE_KEY (not needed with --dry-run).
Every setting (docs/KEEPER.md) may be given as an environment variable, a key of the JSON file, or a flag:
${Object.entries(ENV_KEYS)
  .map(([env, key]) => `  ${env.padEnd(34)} --${key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`)
  .join("\n")}`;

async function main(): Promise<number> {
  const log = createLogger();
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--deployment");
  const deploymentFile = at >= 0 ? argv.splice(at, 2)[1] : process.env.KEEPER_DEPLOYMENT;
  const cli = parseCliArgs(argv);
  if (at >= 0 && (deploymentFile === undefined || deploymentFile.startsWith("--"))) {
    cli.errors.push("--deployment needs a file");
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  const configFile = cli.configFile ?? process.env.KEEPER_CONFIG;
  let file: unknown;
  if (configFile !== undefined) {
    try {
      file = JSON.parse(readFileSync(configFile, "utf8"));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error("config.invalid", { errors: [`config file ${configFile}: ${reason}`] });
      console.error(`keeper: cannot read config file ${configFile}: ${reason}`);
      return 2;
    }
  }
  if (deploymentFile !== undefined) {
    try {
      const fromDeployment = keeperSettingsFromDeployment(readRecord(deploymentFile));
      file = { ...fromDeployment, ...(file as Record<string, unknown> | undefined) };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error("config.invalid", { errors: [`deployment ${deploymentFile}: ${reason}`] });
      console.error(`keeper: cannot read deployment ${deploymentFile}: ${reason}`);
      return 2;
    }
  }
  const result = resolveConfig({ file, env: process.env, cli });
  if (!result.ok) {
    log.error("config.invalid", { errors: result.errors });
    console.error(`keeper: invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join("\n")}`);
    return 2;
  }

  const bot = new KeeperBot(result.config);
  try {
    await bot.start();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    log.error("keeper.start-failed", { error: reason });
    console.error(`keeper: ${reason}`);
    await bot.stop().catch(() => undefined);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void bot.stop().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
