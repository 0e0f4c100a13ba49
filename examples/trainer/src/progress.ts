import cliProgress from 'cli-progress';
import type { PatchDiagnostics } from '@agcl/semi-agcl';

/** Where training progress goes. */
export interface ProgressReporter {
  /** Called once before the first step. */
  start(totalSteps: number, startStep: number): void;
  /** Called after each step with the loss terms, the step's wall time and an optional note (patch diagnostics). */
  update(step: number, loss: number, terms: Record<string, number>, stepSeconds: number, note?: string): void;
  /** A message (validation result, checkpoint) that must not garble the bar. */
  log(message: string): void;
  /** Called once at the end. */
  stop(): void;
}

/** `1m 05s` style duration. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * `anchors 3/4 graph room 0.41 gap 0.12`: classes whose contrastive anchors were used (of the classes
 * present), `ln N - floor` of the target graph (the room it leaves) and `ln N - L_AG` (how much of it the
 * student graph took). Empty without diagnostics.
 */
export function formatDiagnostics(d: PatchDiagnostics | null | undefined, affinity: number | undefined): string {
  if (!d) return '';
  const gap = affinity === undefined ? '' : ` gap ${(d.lnN - affinity).toFixed(2)}`;
  return `anchors ${d.anchoredClasses}/${d.classesPresent} graph room ${(d.lnN - d.graphFloor).toFixed(2)}${gap}`;
}

const SHORT: Record<string, string> = { supervised: 'sup', consistency: 'cons', contrastive: 'con', affinity: 'ag' };

/** `sup 0.512 cons 0.003 con 2.31 ag 1.02` */
export function formatTerms(terms: Record<string, number>): string {
  return Object.entries(terms)
    .map(([k, v]) => `${SHORT[k] ?? k} ${v.toPrecision(3)}`)
    .join(' ');
}

/**
 * A progress reporter: a live bar (cli-progress) with the loss terms, step time and ETA when the
 * stream is a terminal, otherwise one plain line every `logEvery` steps (and at the last step).
 *
 * @param options.stream  output stream (default process.stdout)
 * @param options.logEvery  steps between lines when not a terminal (default 20)
 * @param options.quiet  print nothing (tests)
 */
export function createProgressReporter(
  options: { stream?: NodeJS.WriteStream; logEvery?: number; quiet?: boolean } = {},
): ProgressReporter {
  const stream = options.stream ?? process.stdout;
  const logEvery = options.logEvery ?? 20;
  if (options.quiet) {
    return { start() {}, update() {}, log() {}, stop() {} };
  }
  let total = 0;
  let first = 0;
  let began = 0;
  const eta = (step: number) => {
    const done = step + 1 - first;
    const elapsed = (Date.now() - began) / 1000;
    return done > 0 ? (elapsed / done) * (total - step - 1) : Number.NaN;
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'train {bar} {value}/{total} | loss {loss} | {terms}{note} | {stepTime} s/step | ETA {etaText}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start(totalSteps, startStep) {
        total = totalSteps;
        first = startStep;
        began = Date.now();
        bar.start(totalSteps, startStep, { loss: '-', terms: '', note: '', stepTime: '-', etaText: '?' });
      },
      update(step, loss, terms, stepSeconds, note) {
        bar.update(step + 1, {
          loss: loss.toPrecision(4),
          terms: formatTerms(terms),
          note: note ? ` | ${note}` : '',
          stepTime: stepSeconds.toFixed(2),
          etaText: formatDuration(eta(step)),
        });
      },
      log(message) {
        // cli-progress redraws on the next update; write the message on its own line.
        stream.write(`\r\x1b[K${message}\n`);
        bar.render();
      },
      stop() {
        bar.stop();
      },
    };
  }
  return {
    start(totalSteps, startStep) {
      total = totalSteps;
      first = startStep;
      began = Date.now();
    },
    update(step, loss, terms, stepSeconds, note) {
      if ((step + 1) % logEvery === 0 || step + 1 === total || step === first) {
        stream.write(
          `step ${step + 1}/${total}  loss ${loss.toPrecision(4)}  ${formatTerms(terms)}${note ? `  ${note}` : ''}  ${stepSeconds.toFixed(2)} s/step  ETA ${formatDuration(eta(step))}\n`,
        );
      }
    },
    log(message) {
      stream.write(`${message}\n`);
    },
    stop() {},
  };
}
