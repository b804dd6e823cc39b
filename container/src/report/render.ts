/**
 * Renders Vega-Lite specifications to SVG text in Node, without a browser or canvas: Vega-Lite
 * compiles each one to Vega, a headless Vega View (renderer 'none') renders the scenegraph with
 * View.toSVG. The loader refuses every request: all data is inline, and nothing is ever fetched.
 *
 * vega and vega-lite are ES modules only; this program compiles to CommonJS, whose `import()`
 * TypeScript would turn into require(). A function built at run time keeps a real import().
 */
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite/build/index';
import type { Chart } from './charts';
import { ChartRenderError } from './errors';

type VegaModule = typeof Vega;
type VegaLiteModule = typeof VegaLite;

const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let modules: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

/** Loads vega and vega-lite once per process. */
function loadModules(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  modules ??= Promise.all([importModule('vega'), importModule('vega-lite')]).then(([vega, vegaLite]) => ({
    vega: vega as VegaModule,
    vegaLite: vegaLite as VegaLiteModule,
  }));
  return modules;
}

/** A loader that loads nothing (Vega asks it for data URLs and images; the report has neither). */
function refusingLoader(): Vega.Loader {
  const refuse = (what: unknown) => Promise.reject(new ChartRenderError(`the report loads nothing (asked for ${String(what)})`));
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse } as unknown as Vega.Loader;
}

/** SVG text of each chart, in order; throws ChartRenderError naming the chart that failed. */
export async function renderCharts(charts: readonly Chart[]): Promise<Map<string, string>> {
  const { vega, vegaLite } = await loadModules();
  const quiet = vega.logger(vega.None);
  const out = new Map<string, string>();
  for (const chart of charts) {
    let view: Vega.View | undefined;
    try {
      const compiled = vegaLite.compile(chart.spec, { logger: quiet }).spec;
      view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: refusingLoader(), logLevel: vega.None });
      out.set(chart.id, await view.toSVG());
    } catch (err) {
      throw new ChartRenderError(`chart ${chart.id}: ${(err as Error).message}`, { cause: err });
    } finally {
      view?.finalize();
    }
  }
  return out;
}
