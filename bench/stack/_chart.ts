// The stack bench's chart: req/s per case as grouped bars (one group per page), written as SVG
// text by hand: no dependencies, readable without a browser's help.

/** One bar: a case's req/s and its ratio to the group's anchor. */
export interface Bar {
  name: string;
  rps: number;
  ratio: number;
  p99: number;
}

/** One group of bars (one page). */
export interface BarGroup {
  title: string;
  bars: Bar[];
}

const COLORS = ["#8c8c8c", "#2b6cb0", "#6aa84f", "#d98c1f", "#9c4fd0", "#c0392b"];

const escape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

const compact = (n: number) =>
  n >= 10_000
    ? `${(n / 1000).toFixed(1)}k`
    : n >= 1000
    ? `${(n / 1000).toFixed(2)}k`
    : n.toFixed(0);

/** A tick step giving about five gridlines up to `max` (1, 2 or 5 × a power of ten). */
function step(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}

/** The SVG text of a grouped bar chart of req/s, with a title and a note under it. */
export function barChart(groups: BarGroup[], title: string, note: string[]): string {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const barWidth = 64;
  const barGap = 14;
  const groupGap = 70;
  const left = 80;
  const top = 70;
  const plotHeight = 320;
  const groupWidth = names.length * barWidth + (names.length - 1) * barGap;
  const plotWidth = groups.length * groupWidth + (groups.length + 1) * groupGap;
  const legendTop = top + plotHeight + 78;
  const noteTop = legendTop + names.length * 22 + 18;
  const width = left + plotWidth + 30;
  const height = noteTop + note.length * 18 + 16;
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.rps)), 1);
  const tick = step(max);
  const yMax = Math.ceil((max * 1.08) / tick) * tick;
  const y = (value: number) => top + plotHeight - (value / yMax) * plotHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Verdana, Arial, sans-serif" ` +
    `font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="32" font-size="18" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left}" y="54" fill="#444">req/s, higher is better. Under each bar: ` +
    `× the talk's stack, then p99 latency</text>`,
  ];
  for (let value = 0; value <= yMax; value += tick) {
    out.push(
      `<line x1="${left}" y1="${y(value)}" x2="${left + plotWidth}" y2="${y(value)}" ` +
        `stroke="${value === 0 ? "#333" : "#e2e2e2"}"/>`,
      `<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end" fill="#444">${
        compact(value)
      }</text>`,
    );
  }
  groups.forEach((group, g) => {
    const x0 = left + groupGap + g * (groupWidth + groupGap);
    out.push(
      `<text x="${x0 + groupWidth / 2}" y="${top + plotHeight + 60}" text-anchor="middle" ` +
        `font-weight="bold">${escape(group.title)}</text>`,
    );
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name);
      const x = x0 + i * (barWidth + barGap);
      const h = (bar.rps / yMax) * plotHeight;
      out.push(
        `<rect x="${x}" y="${y(bar.rps)}" width="${barWidth}" height="${h}" fill="${
          COLORS[i % COLORS.length]
        }"><title>${escape(`${bar.name}: ${Math.round(bar.rps)} req/s`)}</title></rect>`,
        `<text x="${x + barWidth / 2}" y="${y(bar.rps) - 6}" text-anchor="middle" ` +
          `font-weight="bold">${compact(bar.rps)}</text>`,
        `<text x="${x + barWidth / 2}" y="${top + plotHeight + 18}" text-anchor="middle" ` +
          `fill="#222">${bar.ratio.toFixed(bar.ratio < 10 ? 2 : 1)}×</text>`,
        `<text x="${x + barWidth / 2}" y="${top + plotHeight + 34}" text-anchor="middle" ` +
          `fill="#666" font-size="11">${bar.p99.toFixed(1)} ms</text>`,
      );
    });
  });
  names.forEach((name, i) => {
    const yy = legendTop + i * 22;
    out.push(
      `<rect x="${left}" y="${yy - 11}" width="14" height="14" fill="${
        COLORS[i % COLORS.length]
      }"/>`,
      `<text x="${left + 22}" y="${yy + 1}">${escape(name)}</text>`,
    );
  });
  note.forEach((line, i) => {
    out.push(
      `<text x="${left}" y="${noteTop + i * 18}" fill="#555" font-size="12">${escape(line)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
