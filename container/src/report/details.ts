/** The report's detail sections: three customers, the data, the run (identifiers, hyperparameters, timings). */
import type { LabelledCount } from './charts';
import type { ItemLine } from './customers';
import { el, figure, formatCount, formatPercent, formatSeconds, keyValueTable, section, type Content } from './html';
import type { ReportModel } from './model';
import type { DataStats } from './stats';

/** Items listed per column before "and N more". */
const SHOWN = 10;

/** Readable names of the prepare step's cleaning rules (unknown rules show their key). */
const RULES: Record<string, string> = {
  missingCustomer: 'no customer id',
  cancellation: 'cancellation',
  nonPositiveQuantity: 'quantity ≤ 0',
  missingItem: 'no item code',
  nonProduct: 'not a product',
};

export function droppedRows(stats: DataStats): LabelledCount[] {
  return Object.entries(stats.rowsDropped ?? {}).map(([rule, count]) => ({ label: RULES[rule] ?? rule, count }));
}

export function pairsPerCustomerRows(stats: DataStats): LabelledCount[] {
  return (stats.pairsPerCustomer?.buckets ?? []).map((b) => ({
    label: b.min === b.max ? String(b.min) : `${b.min}–${b.max}`,
    count: b.customers,
  }));
}

function item(line: ItemLine, ...before: Content[]) {
  return [...before, el('span', { class: 'id' }, line.id), line.description ? ` ${line.description}` : null];
}

/** A column: heading and the first SHOWN lines, then how many more there are. */
function column(title: string, lines: readonly Content[], extra: Content = null) {
  const more = lines.length - SHOWN;
  return el(
    'div',
    { class: 'col' },
    el('strong', {}, title),
    el('ul', {}, lines.slice(0, SHOWN)),
    more > 0 ? el('p', { class: 'note' }, `and ${more} more`) : null,
    extra,
  );
}

export function customersSection(m: ReportModel) {
  if (!m.customers.length) return null;
  const blocks = m.customers.map((c) => {
    const recommended = new Set(c.recommended.map((r) => r.id));
    const hits = c.recommended.filter((r) => r.hit).length;
    // later purchases the model recommended first
    const later = [...c.boughtLater].sort((a, b) => Number(recommended.has(b.id)) - Number(recommended.has(a.id)));
    const laterCount = c.boughtLater.length + c.boughtLaterUnknown;
    return el(
      'div',
      { class: 'customer', 'data-customer': c.userId },
      el(
        'h3',
        {},
        'Customer ',
        el('span', { class: 'id' }, c.userId),
        ` · ${hits} of the top ${c.recommended.length} bought later`,
      ),
      el(
        'div',
        { class: 'cols' },
        column(
          `Bought (${c.bought.length})`,
          c.bought.map((b) => el('li', {}, item(b))),
        ),
        column(
          `Bought later (${laterCount})`,
          later.map((b) => el('li', recommended.has(b.id) ? { class: 'hit' } : {}, item(b))),
          c.boughtLaterUnknown ? el('p', { class: 'note' }, `${c.boughtLaterUnknown} of them not in the training data`) : null,
        ),
        el(
          'div',
          { class: 'col' },
          el('strong', {}, `Top ${c.recommended.length} recommended`),
          el(
            'ol',
            {},
            c.recommended.map((r) =>
              el('li', { class: r.hit ? 'hit' : null, 'data-hit': r.hit ? 'true' : null }, item(r), r.hit ? ' ✓' : null),
            ),
          ),
        ),
      ),
    );
  });
  return section(
    'customers',
    'Three customers from the test set',
    `Drawn at random (seed ${m.input.hyperparameters.seed}) from the evaluated customers: what they bought (training), what they bought later (test), and the model's top ${m.customers[0].recommended.length} without the items they already have. Green ✓: a recommendation they bought later.`,
    blocks,
  );
}

function statsRows(s: DataStats): Array<[Content, Content]> {
  const rows: Array<[Content, Content]> = [];
  const add = (label: string, value: Content) => rows.push([label, value]);
  if (s.input)
    add('input', [s.input.format, s.input.gzip ? ' (gzip)' : '', s.input.layout ? `, ${s.input.layout} layout` : ''].join(''));
  add('rows read', formatCount(s.rowsRead));
  for (const { label, count } of droppedRows(s)) add(`rows dropped: ${label}`, formatCount(count));
  if (s.rowsWithUnreadableDate) add('rows with an unreadable date', formatCount(s.rowsWithUnreadableDate));
  if (s.minInteractions && (s.minInteractions.user > 1 || s.minInteractions.item > 1)) {
    add(
      `pairs dropped below ${s.minInteractions.user} per customer / ${s.minInteractions.item} per item`,
      formatCount(s.minInteractions.pairsDropped),
    );
  }
  add('customers', formatCount(s.users));
  add('items', formatCount(s.items));
  add('unique (customer, item) pairs', formatCount(s.pairs));
  if (s.density !== undefined) add('density', formatPercent(s.density, 2));
  const split = s.split;
  if (split) {
    const how =
      split.mode === 'temporal'
        ? `temporal, test from ${split.cutoff ?? '?'}`
        : `${split.mode ?? '?'}, test fraction ${split.testFraction ?? '?'}`;
    add('split', `${how}, seed ${split.seed ?? '?'}`);
    add('training pairs / test pairs', `${formatCount(split.trainPairs)} / ${formatCount(split.testPairs)}`);
    add(
      'test pairs dropped: customer / item not in training',
      `${formatCount(split.testPairsDroppedUnknownUser)} / ${formatCount(split.testPairsDroppedUnknownItem)}`,
    );
  }
  const ppc = s.pairsPerCustomer;
  if (ppc)
    add(
      'pairs per customer: mean / median / max',
      `${ppc.mean.toFixed(1)} / ${formatCount(ppc.median)} / ${formatCount(ppc.max)}`,
    );
  if (s.seconds !== undefined) add('preparation time', formatSeconds(s.seconds));
  return rows;
}

export function dataSection(m: ReportModel, svg: Map<string, string>) {
  const { input } = m;
  const t = input.data.test?.stats;
  const read: Array<[Content, Content]> = [
    ['training rows read', `${formatCount(input.read.trainingRows)} (${input.read.trainingFiles} file(s))`],
    ['distinct training pairs', formatCount(input.data.train.indices.length)],
    ['customers / items in training', `${formatCount(input.data.users.size)} / ${formatCount(input.data.items.size)}`],
    ['test rows read', formatCount(input.read.testingRows)],
  ];
  if (t) {
    read.push(
      ['distinct test pairs', formatCount(t.pairs)],
      ['test customers evaluated', formatCount(t.users)],
      ['test customers not in training (skipped)', `${formatCount(t.unknownUsers)} (${formatCount(t.unknownUserPairs)} pairs)`],
      ['test pairs of items not in training (misses)', formatCount(t.unknownItemPairs)],
      ['test pairs also in training (dropped)', formatCount(t.pairsAlsoInTraining)],
    );
  }
  const s = input.stats;
  return section(
    'data',
    'The data',
    'From the data preparation step (cleaning rules, split) and as the training job read its channels.',
    el(
      'div',
      { class: 'cols' },
      el(
        'div',
        {},
        el('h3', {}, 'Data preparation'),
        s ? keyValueTable(statsRows(s)) : el('p', { class: 'note' }, input.statsNote ?? 'no statistics'),
      ),
      s?.rowsDropped || s?.pairsPerCustomer
        ? el(
            'div',
            {},
            s.rowsDropped ? figure('cleaning', svg.get('cleaning'), 'Rows dropped per cleaning rule.') : null,
            s.pairsPerCustomer
              ? figure('pairs-per-customer', svg.get('pairs-per-customer'), 'Customers by number of distinct items bought.')
              : null,
          )
        : null,
    ),
    el('h3', {}, 'As the training job read it'),
    keyValueTable(read),
  );
}

export function runSection(m: ReportModel, renderSeconds: number) {
  const { input } = m;
  const hp: Record<string, unknown> = {
    ...input.hyperparameters,
    epochs_run: input.fit.epochsRun,
    best_epoch: input.fit.bestEpoch,
  };
  const timings = input.timings;
  return section(
    'run',
    'The run',
    null,
    el(
      'div',
      { class: 'cols' },
      el(
        'div',
        {},
        el('h3', {}, 'Identifiers'),
        keyValueTable([
          ['training job', input.jobName ?? 'none (not run by SageMaker)'],
          ['created', input.createdAt],
          ['seed', String(input.hyperparameters.seed)],
        ]),
        el('h3', {}, 'Timings'),
        keyValueTable([
          ['reading the channels', formatSeconds(timings.loadSeconds)],
          ['fitting', formatSeconds(timings.fitSeconds)],
          ['test evaluation', formatSeconds(timings.evaluationSeconds)],
          ['report measures', formatSeconds(m.seconds)],
          ['report charts', formatSeconds(renderSeconds)],
        ]),
      ),
      el(
        'div',
        {},
        el('h3', {}, 'Hyperparameters'),
        keyValueTable(
          Object.entries(hp)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [el('code', {}, k), String(v)]),
        ),
      ),
    ),
  );
}
