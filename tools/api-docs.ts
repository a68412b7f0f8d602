/**
 * `npm run docs:api`: the API reference of every public entry point (`faultline`,
 * `faultline/world`, `faultline/patterns`, `faultline/app`, `faultline/check`, `faultline/vitest`)
 * as Markdown in `out/api/`, generated from the TSDoc comments by API Extractor and API Documenter
 * (they bundle their own TypeScript compiler, since typescript 7 has no JavaScript API).
 *
 * Steps: tsc writes the declarations to a scratch folder under out/ (this checkout's dist/ is left
 * alone); API Extractor reads each entry point's declarations into a doc model; API Documenter
 * writes the Markdown. Every message of either is a warning, and any warning fails the command
 * (exit 1), except two rules this project does not follow: release tags (`@public`, `@beta`: every
 * export is public) and "forgotten exports" (a type an export mentions that the entry point does
 * not export itself: it is shown by name). test/docs/api.test.ts runs it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type ExtractorMessage } from '@microsoft/api-extractor';
import { ENTRY_POINTS } from '../sim/run/loaders.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export interface ApiDocsResult {
  /** Where the Markdown went. */
  outDir: string;
  /** Every warning, one line each ("sim/x.ts:3:1 (tsdoc-…) text"); empty when the build is clean. */
  warnings: string[];
  /** Exports with no TSDoc summary, as "entry point: name", sorted. */
  undocumented: string[];
}

/** The doc model's package name for an entry point: api-documenter names pages after it. */
const modelName = (specifier: string): string => specifier.replace('/', '-');

export function buildApiDocs(outDir = join(ROOT, 'out', 'api')): ApiDocsResult {
  const warnings: string[] = [];
  const undocumented: string[] = [];
  const scratch = join(ROOT, 'out', `.api-docs-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    const dts = join(scratch, 'dts');
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const compiled = spawnSync(
      process.execPath,
      [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly', '--declarationMap', 'false', '--sourceMap', 'false', '--outDir', dts],
      { encoding: 'utf8' },
    );
    if (compiled.status !== 0) throw new Error(`tsc failed:\n${compiled.stdout}${compiled.stderr}`);

    const models = join(scratch, 'models');
    mkdirSync(models, { recursive: true });
    for (const [specifier, path] of Object.entries(ENTRY_POINTS)) {
      const apiJson = join(models, `${modelName(specifier)}.api.json`);
      const config = ExtractorConfig.prepare({
        configObject: {
          projectFolder: ROOT,
          mainEntryPointFilePath: join(dts, 'sim', `${path}.d.ts`),
          compiler: {
            overrideTsconfig: {
              compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], types: ['node'], strict: true, skipLibCheck: true },
            },
          },
          apiReport: { enabled: false },
          docModel: { enabled: true, apiJsonFilePath: apiJson },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages: {
            compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
            tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
            extractorMessageReporting: {
              default: { logLevel: ExtractorLogLevel.Warning },
              'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
              'ae-forgotten-export': { logLevel: ExtractorLogLevel.None },
            },
          },
        },
        configObjectFullPath: join(ROOT, 'tools', 'api-docs.json'),
        packageJsonFullPath: join(ROOT, 'package.json'),
      });
      Extractor.invoke(config, {
        localBuild: true,
        messageCallback: (m: ExtractorMessage) => {
          if (m.logLevel === ExtractorLogLevel.Warning || m.logLevel === ExtractorLogLevel.Error) {
            const where = m.sourceFilePath ? `${m.sourceFilePath.replace(ROOT, '')}:${m.sourceFileLine}:${m.sourceFileColumn} ` : '';
            warnings.push(`${specifier}: ${where}(${m.messageId}) ${m.text}`);
          }
          m.handled = true;
        },
      });
      // one package per entry point, named by its specifier
      const model = JSON.parse(readFileSync(apiJson, 'utf8')) as { name: string; members: { members: { name: string; docComment?: string }[] }[] };
      model.name = modelName(specifier);
      for (const m of model.members[0]?.members ?? []) if (!m.docComment?.trim()) undocumented.push(`${specifier}: ${m.name}`);
      writeFileSync(apiJson, JSON.stringify(model));
    }

    const documenter = join(dirname(require.resolve('@microsoft/api-documenter/package.json')), 'bin', 'api-documenter');
    const md = join(scratch, 'md');
    const r = spawnSync(process.execPath, [documenter, 'markdown', '-i', models, '-o', md], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`api-documenter failed:\n${r.stdout}${r.stderr}`);
    for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) if (/warning|error/i.test(line)) warnings.push(`api-documenter: ${line.trim()}`);
    // replace outDir whole, by a rename: never a half-written reference
    mkdirSync(dirname(outDir), { recursive: true });
    const fresh = `${outDir}.tmp-${process.pid}`;
    rmSync(fresh, { recursive: true, force: true });
    cpSync(md, fresh, { recursive: true });
    rmSync(outDir, { recursive: true, force: true });
    renameSync(fresh, outDir);
  } finally {
    if (!process.env.API_DOCS_KEEP) rmSync(scratch, { recursive: true, force: true });
  }
  return { outDir, warnings, undocumented: undocumented.sort() };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outDir, warnings, undocumented } = buildApiDocs();
  if (process.argv.includes('--list-undocumented')) process.stdout.write(undocumented.join('\n') + '\n');
  for (const w of warnings) process.stderr.write(`docs:api: warning: ${w}\n`);
  process.stdout.write(`docs:api: ${outDir.replace(ROOT, '')}/index.md${warnings.length ? ` (${warnings.length} warnings)` : ''}\n`);
  process.exitCode = warnings.length ? 1 : 0;
}
