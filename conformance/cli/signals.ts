/**
 * SIGINT / SIGTERM for the mpspec command (installed once, by bin/mpspec.js; never by library
 * code, so tests importing the library keep the default behaviour). On a signal every adapter
 * process group registered in adapter/process-groups.ts is ended (SIGTERM, then SIGKILL for
 * whatever is left after a grace period; no adapter starts from then on), one line is printed
 * and the process exits with 128 + the signal number (130, 143): within about 1 s, all of it
 * inside the handler, since the event loop may be starved by the run it interrupts. The
 * reference implementation's actors are worker threads: they end with the process.
 */
import { stopAllGroups } from "../adapter/process-groups.js";

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface SignalHandlers {
  /** The signal being handled, or null: output after it is noise. */
  interrupted(): HandledSignal | null;
  uninstall(): void;
}

export interface SignalOptions {
  /** Writes the one line. Default: stderr. */
  write?: (line: string) => void;
  /** Default: process.exit. */
  exit?: (code: number) => void;
  /** How long adapters get to exit on SIGTERM before SIGKILL. Default 0.5 s. */
  graceMs?: number;
}

export function installSignalHandlers(options: SignalOptions = {}): SignalHandlers {
  const write = options.write ?? ((line: string) => void process.stderr.write(line + "\n"));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let caught: HandledSignal | null = null;
  const onSignal = (signal: HandledSignal) => {
    caught ??= signal;
    let stopped: number | string;
    try {
      stopped = stopAllGroups(signal, options.graceMs ?? 500);
    } catch (e) {
      stopped = `not all (${(e as Error).message})`;
    }
    write(`mpspec: interrupted (${signal}); stopped ${stopped} adapter process group(s)`);
    exit(SIGNAL_EXIT_CODES[signal]);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  // Signal listeners do not keep the event loop alive.
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    interrupted: () => caught,
    uninstall: () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
