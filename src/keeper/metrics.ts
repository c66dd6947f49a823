/**
 * Metrics in the Prometheus text exposition format (version 0.0.4): a small registry of counters and gauges
 * with labels, rendered by a pure function, and served by node's `http` on 127.0.0.1.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type MetricType = "counter" | "gauge";

interface Family {
  help: string;
  type: MetricType;
  values: Map<string, { labels: Record<string, string>; value: number }>;
}

/** The keeper's metrics: name → help and type. */
export const KEEPER_METRICS: Readonly<Record<string, { help: string; type: MetricType }>> = {
  keeper_up: { help: "1 while the keeper runs.", type: "gauge" },
  keeper_markets_watched: { help: "Markets being watched.", type: "gauge" },
  keeper_positions_watched: { help: "Borrowers indexed, per market.", type: "gauge" },
  keeper_positions_evaluated: {
    help: "Positions evaluated on chain in the last pass, per market.",
    type: "gauge",
  },
  keeper_positions_ready: { help: "Positions with a step allowed now, per market.", type: "gauge" },
  keeper_last_block: { help: "Last block evaluated.", type: "gauge" },
  keeper_pass_duration_seconds: { help: "Duration of the last evaluation pass.", type: "gauge" },
  keeper_passes_total: { help: "Evaluation passes run.", type: "counter" },
  keeper_steps_sent_total: { help: "Step transactions sent (replacements not counted).", type: "counter" },
  keeper_steps_succeeded_total: { help: "Step transactions mined successfully.", type: "counter" },
  keeper_steps_failed_total: {
    help: "Steps that reverted, were refused in simulation, or were dropped.",
    type: "counter",
  },
  keeper_steps_skipped_total: { help: "Ready steps not sent, by reason.", type: "counter" },
  keeper_steps_dry_run_total: { help: "Steps a dry run would have sent.", type: "counter" },
  keeper_profit_debt_units_total: {
    help:
      "Net profit of mined steps (collateral at the oracle price, less repayment and gas), " +
      "debt-token base units, per market.",
    type: "counter",
  },
  keeper_transactions_replaced_total: {
    help: "Stuck transactions replaced with higher fees.",
    type: "counter",
  },
  keeper_transactions_in_flight: { help: "Transactions sent and not yet mined.", type: "gauge" },
  keeper_price_pokes_total: { help: "updatePriceState transactions sent.", type: "counter" },
  keeper_rpc_requests_total: { help: "HTTP requests made to the RPC endpoint.", type: "counter" },
  keeper_rpc_calls_total: { help: "JSON-RPC calls made (a batch counts each call).", type: "counter" },
  keeper_rpc_errors_total: { help: "RPC errors, by kind.", type: "counter" },
  keeper_chain_resets_total: { help: "Chain resets or reorgs detected (state rebuilt).", type: "counter" },
};

export class Metrics {
  private readonly families = new Map<string, Family>();

  constructor(definitions: Readonly<Record<string, { help: string; type: MetricType }>> = KEEPER_METRICS) {
    for (const [name, d] of Object.entries(definitions)) {
      this.families.set(name, { help: d.help, type: d.type, values: new Map() });
    }
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const f = this.family(name);
    if (f.type !== "counter") throw new Error(`${name} is not a counter`);
    const k = labelKey(labels);
    const cur = f.values.get(k);
    f.values.set(k, { labels, value: (cur?.value ?? 0) + by });
  }

  set(name: string, value: number, labels: Record<string, string> = {}): void {
    this.family(name).values.set(labelKey(labels), { labels, value });
  }

  /** Current value (0 when never set), for tests and the bench. */
  get(name: string, labels: Record<string, string> = {}): number {
    return this.family(name).values.get(labelKey(labels))?.value ?? 0;
  }

  /** Sum over every label set. */
  total(name: string): number {
    let sum = 0;
    for (const v of this.family(name).values.values()) sum += v.value;
    return sum;
  }

  render(): string {
    return renderPrometheus(
      [...this.families.entries()].map(([name, f]) => ({
        name,
        help: f.help,
        type: f.type,
        samples: [...f.values.values()],
      })),
    );
  }

  private family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`unknown metric ${name}`);
    return f;
  }
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

/** The text exposition format: HELP and TYPE lines, then one sample per label set (pure). */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    const samples = f.samples.length === 0 && f.type === "counter" ? [{ labels: {}, value: 0 }] : f.samples;
    for (const s of samples) lines.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.join("\n") + "\n";
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return "";
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelKey(labels: Record<string, string>): string {
  return formatLabels(labels);
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text) and `GET /health` on 127.0.0.1:`port` (0: a free port). */
export function serveMetrics(metrics: Metrics, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(metrics.render());
    } else if (req.method === "GET" && req.url === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
