/** The documentation follows the code: configuration defaults, npm scripts, and links that resolve. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, OPTIONAL_KEYS, configSchema } from '../../lib/config';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DOC_FILES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));

/** Markdown without fenced code blocks and inline code spans (neither holds links or headings). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** One section (from its heading to the next heading of the same level). */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.split(' ')[0];
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^${level} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Anchors GitHub gives the headings of a markdown file. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const headings = markdown.replace(/^```[\s\S]*?^```/gm, '').match(/^#{1,6} .+$/gm) ?? [];
  for (const heading of headings) {
    const slug = heading
      .replace(/^#+ /, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    let unique = slug;
    for (let n = 1; out.has(unique); n++) unique = `${slug}-${n}`;
    out.add(unique);
  }
  return out;
}

describe('docs/deploy.md, "Configuration"', () => {
  const table = section(read('docs/deploy.md'), '## Configuration');

  it('lists every option with its default', () => {
    for (const [name, value] of Object.entries(DEFAULT_CONFIG)) {
      const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
      expect(table).toContain(`| \`${name}\` | \`${shown}\` |`);
    }
    for (const name of OPTIONAL_KEYS) expect(table).toContain(`| \`${name}\` | (none) |`);
  });

  it('lists no option the configuration does not have', () => {
    const documented = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});

describe('README.md', () => {
  it('names every npm script', () => {
    const readme = read('README.md');
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);
    for (const name of scripts.filter((s) => !/^(pre|post)/.test(s))) {
      expect(readme).toContain(name === 'start' || name === 'test' ? `npm ${name}` : `npm run ${name}`);
    }
  });
});

describe.each(DOC_FILES)('%s', (file) => {
  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [relative, anchor] = target.split('#');
      const linked = relative ? path.join(path.dirname(file), relative) : file;
      if (!existsSync(path.join(ROOT, linked))) broken.push(`${target}: no file ${linked}`);
      else if (anchor && linked.endsWith('.md') && !anchors(read(linked)).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${linked}`);
    }
    expect(broken).toEqual([]);
  });
});
