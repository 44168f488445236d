#!/usr/bin/env node
// The reference as a JSON-lines adapter: `node adapters/reference-threads/adapter.js
// [--implementation <module.ts>]`. Registers tsx's loader (no build step), then runs jsonl.ts.
import { register } from "tsx/esm/api";

register();
await import("./jsonl.ts");
