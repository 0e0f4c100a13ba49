#!/usr/bin/env node
// The ACDC experiment runner. See README.md beside this file.
//
//   node experiments/acdc/run.mjs [--only row,...] [--budget reference|smoke|<steps>] [--seeds 1337,2027]
//                                 [--list] [--data-dir DIR] [--nice N]
//   node experiments/acdc/run.mjs table
//
// Trains (or resumes) every selected run that has no results yet, evaluates its best checkpoint with
// `agcl eval`, writes results/<budget>/<run>.json and regenerates results/summary.json and
// results/README.md. Finished runs are skipped, so the table can be completed over several sittings.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultAcdcDir,
  ROWS,
  aggregate,
  closeStaleSittings,
  makeRunResult,
  recalibratedResult,
  markdownTables,
  planJobs,
  readAllResults,
  resolveBudget,
  selectRows,
  trainArgs,
} from './lib/experiment.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const cli = path.join(repoRoot, 'examples/trainer/dist/cli.js');

function parseArgs(argv) {
  const out = { command: 'run', only: undefined, budget: 'reference', seeds: undefined, list: false, dataDir: undefined, nice: 19 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === 'table' || a === 'run') out.command = a;
    else if (a === '--only') out.only = value();
    else if (a === '--budget') out.budget = value();
    else if (a === '--seeds') out.seeds = value().split(',').map(Number);
    else if (a === '--list') out.list = true;
    else if (a === '--data-dir') out.dataDir = value();
    else if (a === '--nice') out.nice = Number(value());
    else if (a === '--help' || a === '-h') out.command = 'help';
    else throw new Error(`unknown argument '${a}' (see --help)`);
  }
  if (out.seeds && out.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error('--seeds: comma-separated non-negative integers');
  return out;
}

function machineDescription() {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() ?? 'unknown CPU';
  return {
    description: `${cpus.length}-core ${os.arch()} CPU (${model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, no GPU (wasm backend, 1 thread)`,
    cpu: model,
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function writeJson(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

function readJsonl(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function regenerateTable() {
  const resultsDir = path.join(here, 'results');
  const aggregated = aggregate(readAllResults(resultsDir));
  writeJson(path.join(resultsDir, 'summary.json'), { generatedAt: new Date().toISOString(), rows: aggregated });
  writeFileSync(path.join(resultsDir, 'README.md'), markdownTables(aggregated, { generatedAt: new Date().toISOString() }));
  return aggregated;
}

let child = null;
let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log('\nstopping: the trainer saves its last checkpoint; run the same command again to resume');
  if (child) child.kill('SIGINT');
});

function runCli(args, nice, logFile) {
  return new Promise((resolve) => {
    const cmd = nice > 0 ? 'nice' : process.execPath;
    const full = nice > 0 ? ['-n', String(nice), process.execPath, cli, ...args] : [cli, ...args];
    child = spawn(cmd, full, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    // Appended as it comes, so the log of a sitting whose process is killed is kept.
    const onData = (d) => {
      process.stdout.write(d);
      if (logFile) appendFileSync(logFile, d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      if (!String(d).includes('Vulkan')) onData(d);
    });
    child.on('close', (code) => {
      child = null;
      resolve(code ?? 1);
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.command === 'help') {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    console.log(`rows: ${ROWS.map((r) => r.id).join(', ')}`);
    return 0;
  }
  if (opts.command === 'table') {
    const rows = regenerateTable();
    console.log(`results/README.md and results/summary.json regenerated (${rows.length} rows)`);
    return 0;
  }
  const budget = resolveBudget(opts.budget);
  const rows = selectRows(opts.only);
  const jobs = planJobs({ rows, budget, seeds: opts.seeds, root: here });
  console.log(`budget '${budget.name}': ${budget.description}`);
  if (opts.list) {
    for (const j of jobs) console.log(`${j.action.padEnd(8)} ${j.name.padEnd(28)} ${j.row.method} (${j.row.labeledPatients} patients)${j.row.samplerDraw ? `, --sampler-draw ${j.row.samplerDraw}` : ''}`);
    return 0;
  }
  if (!existsSync(cli)) throw new Error(`${cli} not found: build the trainer first (pnpm turbo run build --filter=@agcl/trainer...)`);
  const dataDir = opts.dataDir ?? defaultAcdcDir(repoRoot);
  if (!existsSync(path.join(dataDir, 'val.list'))) throw new Error(`ACDC data not found at ${dataDir} (use --data-dir or AGCL_DATA_DIR)`);
  const machine = machineDescription();
  let failures = 0;
  for (const job of jobs) {
    if (stopping) break;
    if (job.action === 'done') {
      const done = JSON.parse(readFileSync(job.resultsFile, 'utf8'));
      if (done.recalibrated || !existsSync(path.join(job.runDir, 'checkpoints', 'last', 'state.json'))) {
        console.log(`skip ${job.name}: results/${budget.name}/${job.name}.json exists`);
        continue;
      }
      // Finished before the batch-norm re-estimation was part of the protocol: add it.
      const recal = await evaluateRecalibrated(job, opts);
      if (recal) {
        writeJson(job.resultsFile, { ...done, recalibrated: recalibratedResult(recal) });
        regenerateTable();
        console.log(`${job.name}: BN re-estimated, last checkpoint: mean Dice ${recal.summary.mean.dice.toFixed(4)} (added to the results file)`);
      } else failures++;
      continue;
    }
    mkdirSync(path.dirname(job.runDir), { recursive: true });
    const logFile = `${job.runDir}.log`;
    const sittingsFile = `${job.runDir}.sittings.json`;
    const sittings = closeStaleSittings(existsSync(sittingsFile) ? JSON.parse(readFileSync(sittingsFile, 'utf8')) : []);
    const args = trainArgs(job.row, job.seed, budget, { dataDir, out: path.relative(here, job.runDir) });
    if (job.action === 'train' || job.action === 'resume') {
      const runArgs = job.action === 'resume' ? ['train', '--resume', path.relative(here, job.runDir), '--steps', String(budget.steps), '--log-every', '10'] : args;
      console.log(`\n== ${job.action} ${job.name}: agcl ${runArgs.join(' ')}`);
      const began = Date.now();
      // Recorded while it runs (a heartbeat every 30 s), so a sitting whose process is killed keeps its time.
      const sitting = { action: job.action, start: new Date(began).toISOString(), seconds: 0, exitCode: null, status: 'running', machine: machine.description };
      sittings.push(sitting);
      const beat = () => {
        sitting.seconds = (Date.now() - began) / 1000;
        writeJson(sittingsFile, sittings);
      };
      beat();
      const heartbeat = setInterval(beat, 30_000);
      const code = await runCli(runArgs, opts.nice, logFile);
      clearInterval(heartbeat);
      Object.assign(sitting, { exitCode: code, status: code === 0 ? 'finished' : stopping ? 'stopped' : 'failed' });
      beat();
      if (code !== 0 || stopping) {
        if (!stopping) {
          console.log(`${job.name}: trainer exited with code ${code}; see ${logFile}`);
          failures++;
        }
        continue;
      }
    }
    const summary = JSON.parse(readFileSync(path.join(job.runDir, 'summary.json'), 'utf8'));
    if (summary.status !== 'completed') {
      console.log(`${job.name}: training ${summary.status}; not evaluated`);
      continue;
    }
    console.log(`\n== evaluate ${job.name} (best checkpoint, all validation volumes)`);
    const code = await runCli(['eval', '--run', path.relative(here, job.runDir), '--checkpoint', 'best', '--backend', 'wasm'], opts.nice, logFile);
    if (code !== 0) {
      console.log(`${job.name}: eval exited with code ${code}`);
      failures++;
      continue;
    }
    const evalJson = JSON.parse(readFileSync(path.join(job.runDir, 'eval', 'best-val.json'), 'utf8'));
    const recalibratedJson = await evaluateRecalibrated(job, opts);
    if (!recalibratedJson) failures++;
    // The teacher's forward mode as the run was trained (runs from before --teacher-forward: 'eval').
    const runConfig = JSON.parse(readFileSync(path.join(job.runDir, 'config.json'), 'utf8'));
    const teacherForward = job.row.method === 'supervised' || job.row.method === 'full' ? null : (runConfig.teacherForward ?? 'eval');
    const result = makeRunResult({
      recalibratedJson,
      teacherForward,
      row: job.row,
      seed: job.seed,
      budget,
      evalJson,
      summary,
      valLines: readJsonl(path.join(job.runDir, 'val.jsonl')),
      sittings,
      machine,
      command: `cd experiments/acdc && node ../../examples/trainer/dist/cli.js ${args.join(' ')}`,
    });
    writeJson(job.resultsFile, result);
    const rowsNow = regenerateTable();
    console.log(`${job.name}: mean Dice ${result.metrics.mean.dice.mean.toFixed(4)}; results/${budget.name}/${job.name}.json written, table has ${rowsNow.length} rows`);
  }
  return failures ? 1 : 0;
}

/**
 * `agcl eval --checkpoint last --recalibrate-bn` of a finished run: its eval JSON, or null on failure.
 */
async function evaluateRecalibrated(job, opts) {
  console.log(`\n== evaluate ${job.name} (last checkpoint, batch-norm statistics re-estimated without dropout)`);
  const code = await runCli(
    ['eval', '--run', path.relative(here, job.runDir), '--checkpoint', 'last', '--recalibrate-bn', '--backend', 'wasm'],
    opts.nice,
    `${job.runDir}.log`,
  );
  if (code !== 0) {
    console.log(`${job.name}: eval --recalibrate-bn exited with code ${code}`);
    return null;
  }
  return JSON.parse(readFileSync(path.join(job.runDir, 'eval', 'last-val-recalibrated.json'), 'utf8'));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`run.mjs: ${err.message}`);
    process.exit(2);
  },
);
