import { expect } from "chai";
import { formatLogLine, createLogger } from "../../../src/keeper/log";
import { Metrics, renderPrometheus, serveMetrics } from "../../../src/keeper/metrics";

describe("keeper metrics and logs", () => {
  describe("renderPrometheus", () => {
    it("writes HELP and TYPE lines, then one sample per label set with sorted, escaped labels", () => {
      const text = renderPrometheus([
        {
          name: "keeper_steps_skipped_total",
          help: "Ready steps not sent.",
          type: "counter",
          samples: [
            { labels: { reason: "unprofitable" }, value: 3 },
            { labels: { z: '"q"', a: "x\\y" }, value: 1.5 },
          ],
        },
        { name: "keeper_up", help: "Up.", type: "gauge", samples: [{ labels: {}, value: 1 }] },
      ]);
      expect(text).to.equal(
        [
          "# HELP keeper_steps_skipped_total Ready steps not sent.",
          "# TYPE keeper_steps_skipped_total counter",
          'keeper_steps_skipped_total{reason="unprofitable"} 3',
          'keeper_steps_skipped_total{a="x\\\\y",z="\\"q\\""} 1.5',
          "# HELP keeper_up Up.",
          "# TYPE keeper_up gauge",
          "keeper_up 1",
          "",
        ].join("\n"),
      );
    });

    it("shows a counter never incremented as 0 and a gauge never set as no sample", () => {
      const text = renderPrometheus([
        { name: "c_total", help: "c", type: "counter", samples: [] },
        { name: "g", help: "g", type: "gauge", samples: [] },
      ]);
      expect(text).to.equal(
        "# HELP c_total c\n# TYPE c_total counter\nc_total 0\n# HELP g g\n# TYPE g gauge\n",
      );
    });
  });

  describe("Metrics", () => {
    it("adds counters per label set, sets gauges, and refuses unknown names or inc on a gauge", () => {
      const m = new Metrics();
      m.inc("keeper_steps_sent_total");
      m.inc("keeper_steps_sent_total", {}, 2);
      m.inc("keeper_steps_failed_total", { stage: "simulation" });
      m.set("keeper_positions_watched", 10_000, { market: "0xm" });
      expect(m.get("keeper_steps_sent_total")).to.equal(3);
      expect(m.total("keeper_steps_failed_total")).to.equal(1);
      expect(m.render()).to.contain('keeper_positions_watched{market="0xm"} 10000\n');
      expect(() => m.inc("nope")).to.throw("unknown metric nope");
      expect(() => m.inc("keeper_up")).to.throw("keeper_up is not a counter");
    });
  });

  describe("serveMetrics", () => {
    it("serves the text format on /metrics and 404 elsewhere, on 127.0.0.1", async () => {
      const m = new Metrics();
      m.set("keeper_up", 1);
      const server = await serveMetrics(m, 0);
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("text/plain; version=0.0.4; charset=utf-8");
        expect(await res.text()).to.contain("\nkeeper_up 1\n");
        expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).to.equal(404);
      } finally {
        await server.close();
      }
    });
  });

  describe("logs", () => {
    it("writes one JSON object per line with ts, level, msg and fields, bigints as strings", () => {
      const line = formatLogLine(new Date(0), "info", "step.sent", {
        repaid: 10n ** 30n,
        err: new Error("x"),
      });
      expect(line).to.equal(
        '{"ts":"1970-01-01T00:00:00.000Z","level":"info","msg":"step.sent","repaid":"1000000000000000000000000000000","err":{"message":"x"}}',
      );
    });

    it("drops lines below the level and adds a child's bound fields", () => {
      const lines: string[] = [];
      const log = createLogger({ level: "info", write: (l) => lines.push(l), clock: () => new Date(0) });
      log.debug("hidden");
      log.child({ market: "0xm" }).warn("w", { n: 1 });
      expect(lines.map((l) => JSON.parse(l))).to.deep.equal([
        { ts: "1970-01-01T00:00:00.000Z", level: "warn", msg: "w", market: "0xm", n: 1 },
      ]);
    });
  });
});
