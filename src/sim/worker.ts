/**
 * A simulator worker process (started by src/sim/workers.ts): it runs the jobs its parent sends, one at a time,
 * on its own chain (Hardhat's in-process network, or the anvil node of HARDHAT_NETWORK=localhost), and sends each
 * result back. `SIM_FILE` names the scenario file (validated by the parent already).
 */
import { loadScenarios } from "./scenarios";
import { runJob, WorldCache, type Job, type JobResult } from "./jobs";

async function main(): Promise<void> {
  const file = loadScenarios(process.env.SIM_FILE ?? "sim/scenarios.json");
  const worlds = new WorldCache(file.defaults, Object.keys(file.defaults.depths));
  const queue: Job[] = [];
  let busy = false;
  const drain = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const result: JobResult = await runJob(worlds, queue.shift()!);
      process.send!({ type: "result", result });
    }
    busy = false;
  };
  process.on("message", (m: { type: string; job?: Job }) => {
    if (m.type === "job") {
      queue.push(m.job!);
      void drain();
    } else if (m.type === "stop") process.exit(0);
  });
  process.send!({ type: "ready" });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
