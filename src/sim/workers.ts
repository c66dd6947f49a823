/**
 * Runs jobs in worker processes, one per core by default, each on its own chain (src/sim/worker.ts). Jobs of
 * one seed go to the worker that holds that seed's world, so that worlds are set up as few times as possible.
 * Results come back in plan order whatever the workers did, so the output does not depend on their number.
 * Progress goes to stderr: runs done / total, elapsed, estimate of the time left.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Job, JobResult } from "./jobs";

export interface WorkerOptions {
  workers: number;
  /** Environment of worker i (its network, the scenario file). */
  env: (i: number) => NodeJS.ProcessEnv;
  /** Where progress lines go (stderr by default). */
  log?: (line: string) => void;
}

interface Slot {
  child: ChildProcess;
  seed?: number;
  job?: Job;
  alive: boolean;
}

export async function runJobs(jobs: readonly Job[], options: WorkerOptions): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  if (jobs.length === 0) return results;
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const bySeed = new Map<number, Job[]>();
  for (const j of jobs) bySeed.set(j.seed, [...(bySeed.get(j.seed) ?? []), j]);
  const progress = new Progress(jobs.length, log);
  let done = 0;

  /** The next job for a worker: of its seed if any is left, else of the seed with the most jobs left. */
  const next = (slot: Slot): Job | undefined => {
    let queue = slot.seed !== undefined ? bySeed.get(slot.seed) : undefined;
    if (!queue || queue.length === 0) {
      let best: number | undefined;
      for (const [seed, q] of bySeed)
        if (q.length > 0 && (best === undefined || q.length > bySeed.get(best)!.length)) best = seed;
      if (best === undefined) return undefined;
      slot.seed = best;
      queue = bySeed.get(best)!;
    }
    return queue.shift();
  };

  const count = Math.max(1, Math.min(options.workers, jobs.length));
  await new Promise<void>((resolve) => {
    const slots: Slot[] = [];
    let finished = false;
    const finish = () => {
      if (finished || done < jobs.length) return;
      finished = true;
      for (const s of slots) if (s.alive && s.child.connected) s.child.send({ type: "stop" });
      resolve();
    };
    const give = (slot: Slot) => {
      slot.job = next(slot);
      if (slot.job) slot.child.send({ type: "job", job: slot.job });
    };
    for (let i = 0; i < count; i++) {
      const child = fork(require.resolve("./worker"), [], {
        execArgv: ["-r", "ts-node/register/transpile-only"],
        env: options.env(i),
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const slot: Slot = { child, alive: true };
      slots.push(slot);
      child.on("message", (m: { type: string; result?: JobResult }) => {
        if (m.type === "ready") give(slot);
        else if (m.type === "result") {
          results[m.result!.id] = m.result!;
          done += 1;
          progress.tick(done);
          give(slot);
          finish();
        }
      });
      child.on("exit", (code) => {
        slot.alive = false;
        // A worker that dies takes its job with it; the jobs left go to the others (or fail if none is left).
        const lost = slot.job ? [slot.job] : [];
        if (!slots.some((s) => s.alive)) for (const q of bySeed.values()) lost.push(...q.splice(0));
        for (const j of lost) {
          if (results[j.id]) continue;
          results[j.id] = {
            id: j.id,
            ok: false,
            error: { message: `worker exited (code ${code})`, tick: -1, seconds: 0 },
          };
          done += 1;
        }
        slot.job = undefined;
        finish();
      });
    }
  });
  progress.end();
  return results;
}

/** Progress lines: at most one every 10 s or 5 % of the runs (redrawn in place on a terminal). */
class Progress {
  private readonly start = Date.now();
  private lastAt = 0;
  private lastShare = -1;

  constructor(
    private readonly total: number,
    private readonly log: (line: string) => void,
  ) {}

  tick(done: number): void {
    const now = Date.now();
    const share = Math.floor((done / this.total) * 20);
    if (done < this.total && now - this.lastAt < 10_000 && share === this.lastShare) return;
    this.lastAt = now;
    this.lastShare = share;
    const elapsed = (now - this.start) / 1000;
    const left = (elapsed / done) * (this.total - done);
    const line = `runs ${done}/${this.total}, ${clock(elapsed)} elapsed, about ${clock(left)} left`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(70)}`);
    else this.log(line);
  }

  end(): void {
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
}

const clock = (seconds: number) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};
