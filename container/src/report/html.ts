/**
 * HTML building blocks of the report: escaping, number formats, tables, figures and the page
 * shell with its inline style. The page loads nothing: its Content-Security-Policy allows no
 * source at all, inline style and the inline SVG charts are all there is.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Raw HTML, as opposed to text that still needs escaping. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Content = Html | string | number | null | undefined | readonly Content[];

/** Joins content into HTML: strings are escaped, Html is kept, null and undefined are dropped. */
export function render(content: Content): string {
  if (content === null || content === undefined) return '';
  if (content instanceof Html) return content.text;
  if (Array.isArray(content)) return content.map(render).join('');
  return escapeHtml(String(content));
}

/** An element; attributes with null or undefined values are left out. */
export function el(tag: string, attrs: Record<string, string | number | null | undefined>, ...children: Content[]): Html {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeHtml(String(v))}"`)
    .join('');
  return new Html(`<${tag}${a}>${render(children)}</${tag}>`);
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Counts: 192,114. */
export function formatCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : integer.format(n);
}

/** Metric values as the report shows them: four decimals. */
export function formatMetric(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4);
}

export function formatPercent(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)} %`;
}

export function formatSeconds(s: number): string {
  return `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

/**
 * A metric value from the metrics file: its name and exact value ride along as data attributes,
 * so a reader (or a test) can match every number shown with the file.
 */
export function metricValue(name: string, value: number | undefined): Html {
  return el(
    'span',
    { class: 'metric', 'data-metric': value === undefined ? null : name, 'data-value': value },
    formatMetric(value),
  );
}

/** A table of label/value rows. */
export function keyValueTable(rows: ReadonlyArray<readonly [Content, Content]>, cls = 'kv'): Html {
  return el(
    'table',
    { class: cls },
    el(
      'tbody',
      {},
      rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))),
    ),
  );
}

/** A table with a header row; cells of columns listed in `numeric` align right. */
export function table(head: readonly Content[], rows: readonly (readonly Content[])[], numeric: readonly number[] = []): Html {
  const cell = (tag: string, c: Content, i: number) => el(tag, numeric.includes(i) ? { class: 'num' } : {}, c);
  return el(
    'table',
    { class: 'grid' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map((h, i) => cell('th', h, i)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c, i) => cell('td', c, i)),
        ),
      ),
    ),
  );
}

/** A chart figure: the inline SVG, or a note when the chart could not be drawn. */
export function figure(id: string, svg: string | undefined, caption: string): Html {
  return el(
    'figure',
    { class: 'chart', 'data-chart': id },
    svg ? new Html(svg) : el('p', { class: 'note' }, 'chart not available'),
    el('figcaption', {}, caption),
  );
}

export function section(id: string, title: string, intro: Content, ...body: Content[]): Html {
  return el('section', { id }, el('h2', {}, title), intro ? el('p', { class: 'intro' }, intro) : null, ...body);
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --model: #1f6feb;
  --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.sub, .intro, .note, figcaption { color: var(--muted); }
.intro { margin: 4px 0 12px; max-width: 860px; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 4px; }
.card { flex: 1 1 180px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--bg); }
.card .label { color: var(--muted); font-size: 12px; }
.card .big { font-size: 24px; font-weight: 600; }
.card .small { font-size: 12px; color: var(--muted); }
.pass { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0 12px; }
th, td { padding: 4px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
thead th { font-weight: 600; background: var(--bg); }
table.kv { font-size: 13px; }
table.kv th { font-weight: normal; color: var(--muted); white-space: nowrap; }
.num, table.kv td { text-align: right; font-variant-numeric: tabular-nums; }
table.kv td.text, td.text { text-align: left; }
.cols { display: flex; flex-wrap: wrap; gap: 8px 36px; align-items: flex-start; }
figure.chart { margin: 8px 0 16px; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; margin-top: 2px; max-width: 700px; }
.customer { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px 4px; margin: 12px 0; }
.customer .cols { gap: 8px 24px; }
.customer .col { flex: 1 1 280px; min-width: 0; font-size: 13px; line-height: 1.4; }
.customer ol, .customer ul { margin: 4px 0 6px; padding-left: 22px; }
.customer .note { margin: 0 0 6px; }
li.hit { color: var(--good); font-weight: 600; }
li.hit::marker { color: var(--good); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

/** The whole page around the body. */
export function page(title: string, body: Content): string {
  return (
    '<!DOCTYPE html>\n' +
    render(
      el(
        'html',
        { lang: 'en' },
        el(
          'head',
          {},
          new Html('<meta charset="utf-8">'),
          new Html(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`),
          new Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
          el('title', {}, title),
          new Html(`<style>${STYLE}</style>`),
        ),
        el('body', {}, el('main', {}, body)),
      ),
    ) +
    '\n'
  );
}
