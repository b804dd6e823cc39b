/**
 * Synthetic Online Retail II: the project's default dataset. Same CSV header and quirks as the
 * UCI export (missing customers, cancellations, non-product codes, exact duplicate lines, several
 * descriptions per code, "13085.0" customer ids, 85123A-style codes, two years of invoices), with
 * planted structure: customers belong to taste segments over item groups and item popularity is
 * skewed, so a personalised model beats popularity by a wide margin. Deterministic for a seed.
 */
import { stringify } from 'csv-stringify/sync';
import { mulberry32 } from '../../lambda/prepare-data/random';
import { ADJECTIVES, COUNTRIES, NON_PRODUCT_LINES, NOUNS, THEMES } from './vocabulary';

export const RETAIL_HEADER = [
  'Invoice',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'Price',
  'Customer ID',
  'Country',
] as const;
/** One data line, all fields as they appear in the CSV (unquoted). */
export type RetailRow = [string, string, string, string, string, string, string, string];

export interface GeneratorOptions {
  /** PRNG seed (default 42). */
  seed?: number;
  /** Registered customers to draw from (default 5,900; scaled by rows / 1,067,371 when fewer rows). */
  customers?: number;
  /** Exact number of data lines (default 1,067,371, the size of the UCI file). */
  rows?: number;
  /** Product stock codes (default 4,600; scaled by the square root of that ratio when fewer rows). */
  items?: number;
  /** First invoice day, UTC (default 2009-12-01); invoices span `days` days (default 739). */
  startDate?: string;
  days?: number;
}

export const GENERATOR_DEFAULTS = { seed: 42, customers: 5900, rows: 1_067_371, items: 4600, startDate: '2009-12-01', days: 739 };

/** Planted-structure knobs (not options: they are what makes the dataset behave like the real one). */
const SEGMENTS = 24;
const GROUPS_PER_SEGMENT = 6;
const GUEST_INVOICE = 0.2; // guest invoices are larger: ~23% of lines
const REPEAT = 0.12; // re-buy something from the customer's own history
const EXPLORE = 0.38; // pick from global popularity instead of the customer's tastes
const DUPLICATE = 0.033;
const CANCEL = 0.2;
const NON_PRODUCT = 0.05;
const QUANTITIES = [1, 2, 2, 3, 4, 6, 6, 12, 12, 12, 24, 24, 48];

function cumulative(weights: number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let k = 0; k < weights.length; k++) c[k] = s += weights[k];
  return c;
}

/** Index drawn in proportion to the weights behind `cum` (binary search). */
function draw(cum: Float64Array, rand: () => number, from = 0, to = cum.length): number {
  const base = from > 0 ? cum[from - 1] : 0;
  const x = base + rand() * (cum[to - 1] - base);
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

interface Catalogue {
  codes: string[];
  descriptions: string[];
  alternates: (string | undefined)[];
  prices: string[];
  /** Items sorted by group; group g holds items groupStart[g] .. groupStart[g + 1] - 1. */
  groupStart: number[];
  popularity: Float64Array;
}

function buildCatalogue(n: number, rand: () => number): Catalogue {
  const groups = THEMES.length;
  const sizes = Array.from({ length: groups }, () => 0.4 + rand() * 1.2);
  const total = sizes.reduce((a, b) => a + b, 0);
  const groupStart = [0];
  for (let g = 0; g < groups; g++)
    groupStart.push(g === groups - 1 ? n : Math.min(n, groupStart[g] + Math.max(1, Math.round((sizes[g] / total) * n))));
  const codes: string[] = [];
  const descriptions: string[] = [];
  const alternates: (string | undefined)[] = [];
  const prices: string[] = [];
  const weights: number[] = [];
  const usedBases = new Set<number>();
  for (let g = 0; g < groups; g++) {
    for (let k = groupStart[g]; k < groupStart[g + 1];) {
      let base: number;
      do base = 10002 + Math.floor(rand() * 80000);
      while (usedBases.has(base));
      usedBases.add(base);
      const family = rand() < 0.15 ? 2 + Math.floor(rand() * 3) : 1;
      const noun = NOUNS[Math.floor(rand() * NOUNS.length)];
      const price = (0.29 + Math.floor(rand() * rand() * 40) * 0.3).toFixed(2);
      for (let f = 0; f < family && k < groupStart[g + 1]; f++, k++) {
        codes.push(family > 1 ? `${base}${'ABCD'[f]}` : String(base));
        const adjective = ADJECTIVES[Math.floor(rand() * ADJECTIVES.length)];
        descriptions.push(`${adjective}${THEMES[g]} ${noun}`);
        alternates.push(
          rand() < 0.12 ? `${ADJECTIVES[1 + Math.floor(rand() * (ADJECTIVES.length - 1))]}${THEMES[g]} ${noun}` : undefined,
        );
        prices.push(price);
        // popularity: heavy-tailed within the group, some groups more popular overall
        weights.push(Math.exp(1.2 * gaussian(rand)) * (0.5 + sizes[g]));
      }
    }
  }
  return { codes, descriptions, alternates, prices, groupStart, popularity: cumulative(weights) };
}

interface Customer {
  id: string;
  country: string;
  tastes: number[];
  tasteCum: Float64Array;
  history: number[];
}

function buildCustomers(n: number, groups: number, rand: () => number): { customers: Customer[]; activity: Float64Array } {
  const segments = Array.from({ length: SEGMENTS }, () => {
    const set = new Set<number>();
    while (set.size < GROUPS_PER_SEGMENT) set.add(Math.floor(rand() * groups));
    return [...set];
  });
  const ids = new Set<number>();
  const span = Math.ceil(n * 1.1);
  const customers: Customer[] = [];
  const activity: number[] = [];
  while (customers.length < n) {
    const id = 12346 + Math.floor(rand() * span);
    if (ids.has(id)) continue;
    ids.add(id);
    const seg = segments[Math.floor(rand() * SEGMENTS)];
    const tastes = [...seg].sort(() => rand() - 0.5).slice(0, 4);
    customers.push({
      id: `${id}.0`,
      country: rand() < 0.9 ? 'United Kingdom' : COUNTRIES[Math.floor(rand() * COUNTRIES.length)],
      tastes,
      tasteCum: cumulative([0.4, 0.3, 0.2, 0.1]),
      history: [],
    });
    activity.push(Math.exp(1.0 * gaussian(rand)));
  }
  return { customers, activity: cumulative(activity) };
}

/**
 * Defaults, with customers and items scaled down for smaller files (customers in proportion to
 * rows, items with its square root) so that a small file keeps a realistic density.
 */
export function resolveOptions(options: GeneratorOptions = {}): Required<GeneratorOptions> {
  const d = GENERATOR_DEFAULTS;
  const rows = options.rows ?? d.rows;
  const scale = Math.min(1, rows / d.rows);
  return {
    seed: options.seed ?? d.seed,
    rows,
    customers: options.customers ?? Math.max(10, Math.round(d.customers * scale)),
    items: options.items ?? Math.max(50, Math.round(d.items * Math.sqrt(scale))),
    startDate: options.startDate ?? d.startDate,
    days: options.days ?? d.days,
  };
}

/** The data lines, in invoice order; exactly `rows` of them. */
export function* generateRetailRows(options: GeneratorOptions = {}): Generator<RetailRow> {
  const o = resolveOptions(options);
  const rand = mulberry32(o.seed);
  const cat = buildCatalogue(o.items, rand);
  const { customers, activity } = buildCustomers(o.customers, THEMES.length, rand);
  const start = Date.parse(`${o.startDate}T00:00:00Z`);
  const dayCache = new Map<number, string>();
  let emitted = 0;
  let invoice = 489434;
  const pickItem = (c: Customer | undefined): number => {
    if (c && c.history.length && rand() < REPEAT) return c.history[Math.floor(rand() * c.history.length)];
    if (!c || rand() < EXPLORE) return draw(cat.popularity, rand);
    const g = c.tastes[draw(c.tasteCum, rand)];
    return draw(cat.popularity, rand, cat.groupStart[g], cat.groupStart[g + 1]);
  };
  while (emitted < o.rows) {
    // spread invoices over the days in order of progress, in shop hours 07:00-20:00
    const x = (emitted / o.rows) * o.days;
    const day = Math.floor(x);
    let dayText = dayCache.get(day);
    if (!dayText) {
      dayText = new Date(start + day * 86400000).toISOString().slice(0, 10);
      dayCache.set(day, dayText);
    }
    const minute = 420 + Math.floor((x - day) * 780);
    const date = `${dayText} ${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`;
    const guest = rand() < GUEST_INVOICE;
    const c = guest ? undefined : customers[draw(activity, rand)];
    const who = c ? c.id : '';
    const country = c ? c.country : 'United Kingdom';
    const lines = 1 + Math.floor(-Math.log(1 - rand()) * (guest ? 24 : 18));
    const inv = String(invoice++);
    const bought: number[] = [];
    for (let l = 0; l < lines && emitted < o.rows; l++) {
      const item = pickItem(c);
      const alt = cat.alternates[item];
      const description = alt && rand() < 0.3 ? alt : cat.descriptions[item];
      let quantity = QUANTITIES[Math.floor(rand() * QUANTITIES.length)];
      let price = cat.prices[item];
      if (guest && rand() < 0.004) {
        // stock write-offs
        quantity = -quantity;
        price = '0.0';
      }
      const row: RetailRow = [
        inv,
        cat.codes[item],
        guest && price === '0.0' ? '' : description,
        String(quantity),
        date,
        price,
        who,
        country,
      ];
      yield row;
      emitted++;
      bought.push(item);
      if (c && quantity > 0) c.history.push(item);
      if (rand() < DUPLICATE && emitted < o.rows) {
        yield row;
        emitted++;
      }
    }
    if (rand() < NON_PRODUCT && emitted < o.rows) {
      const [code, description, price] = NON_PRODUCT_LINES[Math.floor(rand() * NON_PRODUCT_LINES.length)];
      yield [inv, code, description, '1', date, price, who, country];
      emitted++;
    }
    if (c && rand() < CANCEL) {
      const cinv = `C${invoice++}`;
      for (let k = 0, n = 1 + Math.floor(rand() * 3); k < n && emitted < o.rows; k++) {
        const item = bought[Math.floor(rand() * bought.length)];
        yield [
          cinv,
          cat.codes[item],
          cat.descriptions[item],
          `-${1 + Math.floor(rand() * 6)}`,
          date,
          cat.prices[item],
          who,
          country,
        ];
        emitted++;
      }
    }
  }
}

const csvQuoteCache = new Map<string, string>();
function field(s: string): string {
  if (!/[",\r\n]/.test(s)) return s;
  let q = csvQuoteCache.get(s);
  if (q === undefined) csvQuoteCache.set(s, (q = stringify([[s]]).slice(0, -1)));
  return q;
}

/** The whole CSV file (header included) as text chunks of about 64 KB. */
export function* generateRetailCsv(options: GeneratorOptions = {}): Generator<string> {
  let chunk = RETAIL_HEADER.join(',') + '\n';
  for (const r of generateRetailRows(options)) {
    chunk += `${r[0]},${r[1]},${field(r[2])},${r[3]},${r[4]},${r[5]},${r[6]},${r[7]}\n`;
    if (chunk.length > 65536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
