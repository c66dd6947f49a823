/**
 * Charts: Vega-Lite specs rendered headless to SVG by vega (no canvas: text widths are estimated) and to PNG by
 * resvg. Deterministic: the same data gives the same bytes.
 */
import { writeFileSync } from "node:fs";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

const FONT = "DejaVu Sans";

/** Writes `<base>.svg` and `<base>.png`. */
export async function renderChart(spec: TopLevelSpec, base: string): Promise<void> {
  const full = {
    ...spec,
    config: { font: FONT, background: "white", ...(spec.config ?? {}) },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(`${base}.svg`, svg);
  const png = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
  })
    .render()
    .asPng();
  writeFileSync(`${base}.png`, png);
}

export interface SeriesRow {
  hours: number;
  series: string;
  value: number;
}

/** Lines over time, one per series. */
export function lineChart(
  rows: SeriesRow[],
  title: string,
  yTitle: string,
  options: { yZero?: boolean; width?: number } = {},
): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: options.width ?? 720,
    height: 320,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "hours", type: "quantitative", title: "hours" },
      y: { field: "value", type: "quantitative", title: yTitle, scale: { zero: options.yZero ?? false } },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", columns: 3 } },
    },
  };
}

export interface LtvRow {
  hours: number;
  position: string;
  policy: string;
  ltv: number;
}

/** LTV of the sample positions, one panel per policy, with the soft and hard thresholds of our defaults. */
export function ltvChart(rows: LtvRow[], title: string, soft: number, hard: number): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: rows },
    facet: { column: { field: "policy", type: "nominal", title: null } },
    spec: {
      width: 200,
      height: 240,
      layer: [
        {
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: "hours", type: "quantitative", title: "hours" },
            y: {
              field: "ltv",
              type: "quantitative",
              title: "LTV (oracle price)",
              scale: { domain: [0, 1.2] },
            },
            color: { field: "position", type: "nominal", title: "initial LTV", legend: { orient: "bottom" } },
          },
        },
        { mark: { type: "rule", strokeDash: [4, 4], color: "#999" }, encoding: { y: { datum: soft } } },
        { mark: { type: "rule", strokeDash: [4, 4], color: "#c00" }, encoding: { y: { datum: hard } } },
      ],
    },
  };
}

export interface TradeoffRow {
  /** Label above the point (else below), alternating so that neighbours do not overlap. */
  above: boolean;
  confirmMinutes: number;
  recoveredUnwound: number;
  badDebt: number;
  label: string;
  isDefault: boolean;
}

/**
 * The trade-off chart's points: delays with identical outcomes share one point and one label ("30, 60 min"); labels
 * alternate above and below the line, and never fall below the x axis.
 */
export function tradeoffPoints(
  rows: readonly { confirm: number; recovered: number; badDebt: number }[],
  defaultConfirm: number,
): TradeoffRow[] {
  const groups: { rows: (typeof rows)[number][]; point: TradeoffRow }[] = [];
  for (const r of rows) {
    const badDebt = Math.round(r.badDebt);
    let g = groups.find((x) => x.point.recoveredUnwound === r.recovered && x.point.badDebt === badDebt);
    if (!g) {
      g = {
        rows: [],
        point: {
          above: r.recovered === 0 || groups.length % 2 === 0,
          confirmMinutes: r.confirm / 60,
          recoveredUnwound: r.recovered,
          badDebt,
          label: "",
          isDefault: false,
        },
      };
      groups.push(g);
    }
    g.rows.push(r);
    g.point.isDefault ||= r.confirm === defaultConfirm;
    g.point.label = `${g.rows.map((x) => x.confirm / 60).join(", ")} min${g.point.isDefault ? " (default)" : ""}`;
  }
  return groups.map((g) => g.point);
}

/** Positions unwound in the wick that would have recovered, against bad debt in the crash. */
export function tradeoffChart(rows: TradeoffRow[], title: string): TopLevelSpec {
  const x = {
    field: "badDebt",
    type: "quantitative",
    title: "lenders' bad debt in the crash (USD)",
  } as const;
  const y = {
    field: "recoveredUnwound",
    type: "quantitative",
    title: "positions unwound in the wick that would have recovered",
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 560,
    height: 320,
    data: { values: rows },
    layer: [
      { mark: { type: "line", color: "#888" }, encoding: { x, y, order: { field: "confirmMinutes" } } },
      {
        mark: { type: "point", filled: true, size: 90 },
        encoding: {
          x,
          y,
          color: {
            field: "isDefault",
            type: "nominal",
            title: "default",
            scale: { domain: [true, false], range: ["#d62728", "#1f77b4"] },
          },
        },
      },
      {
        transform: [{ filter: "datum.above" }],
        mark: { type: "text", dy: -12, fontSize: 11 },
        encoding: { x, y, text: { field: "label" } },
      },
      {
        transform: [{ filter: "!datum.above" }],
        mark: { type: "text", dy: 14, fontSize: 11 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
}

export interface HeatRow {
  policy: string;
  row: string;
  col: string;
  value: number;
  /** Text in the cell. */
  label: string;
}

/**
 * A heatmap per policy (one panel each, side by side), all on the same colour scale: `rows` x `cols` cells
 * coloured by value, with the value written in each.
 */
export function heatmapChart(
  rows: HeatRow[],
  title: string,
  axes: {
    row: string;
    col: string;
    value: string;
    rowOrder: string[];
    colOrder: string[];
    policies: string[];
  },
): TopLevelSpec {
  const max = Math.max(1, ...rows.map((r) => r.value).filter(Number.isFinite));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: rows },
    facet: { column: { field: "policy", type: "nominal", title: null, sort: axes.policies } },
    spec: {
      width: Math.max(120, 44 * axes.colOrder.length),
      height: Math.max(60, 26 * axes.rowOrder.length),
      encoding: {
        x: { field: "col", type: "ordinal", title: axes.col, sort: axes.colOrder, axis: { labelAngle: -40 } },
        y: { field: "row", type: "ordinal", title: axes.row, sort: axes.rowOrder },
      },
      layer: [
        {
          mark: { type: "rect", stroke: "white" },
          encoding: {
            color: {
              field: "value",
              type: "quantitative",
              title: axes.value,
              scale: { scheme: "orangered", domain: [0, max] },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 9 },
          encoding: {
            text: { field: "label" },
            color: { condition: { test: `datum.value > ${max / 2}`, value: "white" }, value: "black" },
          },
        },
      ],
    },
    resolve: { scale: { color: "shared" } },
  } as TopLevelSpec;
}
