#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so there is no build step to forget.
// Exit codes: 0 conformant, 1 not conformant, 2 usage, spec, adapter or internal error,
// 130 / 143 interrupted by SIGINT / SIGTERM (every adapter process group stopped first).
import { register } from "tsx/esm/api";

const internalError = (e) => {
  const line = `mpspec: internal error: ${String(e instanceof Error ? e.message : e).split("\n")[0]}`;
  return process.env.MPSPEC_DEBUG === "1" && e instanceof Error && e.stack ? `${line}\n${e.stack}` : line;
};
const onCrash = (e) => {
  console.error(internalError(e));
  process.exit(2);
};
process.on("uncaughtException", onCrash);
process.on("unhandledRejection", onCrash);

try {
  register();
  const { installSignalHandlers } = await import("../conformance/cli/signals.ts");
  installSignalHandlers();
  const { main } = await import("../conformance/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  onCrash(e);
}
